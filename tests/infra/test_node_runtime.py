"""The jsii runtime starts with a bounded young generation and a lazy provider index; Python keeps the user's
NODE_OPTIONS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from infra.node_runtime import PRELOADS, SEMI_SPACE_MB, node_options_for_runtime, runtime_node_options

ROOT = Path(__file__).resolve().parents[2]
BOUNDED = f"--max-semi-space-size={SEMI_SPACE_MB}"
LAZY_PROVIDER_INDEX, CREATION_STACKS_OFF = PRELOADS
PRELOAD = f'--require "{LAZY_PROVIDER_INDEX}" --require "{CREATION_STACKS_OFF}"'


def test_the_young_generation_is_bounded_and_the_index_preloaded_beside_the_users_options():
    assert runtime_node_options("") == f"{BOUNDED} {PRELOAD}"
    assert runtime_node_options("--enable-source-maps") == f"--enable-source-maps {BOUNDED} {PRELOAD}"


def test_a_users_own_young_generation_size_is_kept():
    assert runtime_node_options("--max-semi-space-size=32") == f"--max-semi-space-size=32 {PRELOAD}"


def test_a_preload_path_with_spaces_is_quoted_and_one_nodes_options_cannot_spell_is_left_out(tmp_path):
    spaced = tmp_path / "a folder" / "index.js"
    unspellable = tmp_path / 'say "hi"' / "index.js"
    assert runtime_node_options("", (spaced, unspellable)) == f'{BOUNDED} --require "{spaced}"'


def test_node_options_are_restored_after_the_runtime_starts():
    environ = {"NODE_OPTIONS": "--enable-source-maps"}
    with node_options_for_runtime(environ):
        assert environ["NODE_OPTIONS"] == f"--enable-source-maps {BOUNDED} {PRELOAD}"
    assert environ == {"NODE_OPTIONS": "--enable-source-maps"}
    unset: dict[str, str] = {}
    with node_options_for_runtime(unset):
        assert unset["NODE_OPTIONS"] == f"{BOUNDED} {PRELOAD}"
    assert unset == {}


RUNTIME_ENVIRONMENTS = """
import json, os
import infra.cdk  # starts the jsii runtime
def children(pid):
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(c) for c in f.read().split()]
def node_options(pid):
    with open(f"/proc/{pid}/environ", "rb") as f:
        pairs = [entry.split(b"=", 1) for entry in f.read().split(b"\\0") if b"=" in entry]
    return dict(pairs).get(b"NODE_OPTIONS", b"").decode()
runtime = children(os.getpid())
print(json.dumps({"python": os.environ.get("NODE_OPTIONS"), "runtime": [node_options(p) for p in runtime]}))
"""


def test_the_started_runtime_has_the_options_and_python_does_not():
    env = {key: value for key, value in os.environ.items() if key != "NODE_OPTIONS"}
    done = subprocess.run([sys.executable, "-c", RUNTIME_ENVIRONMENTS], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True, timeout=120)
    seen = json.loads(done.stdout)
    assert seen["python"] is None
    assert seen["runtime"] == [f"{BOUNDED} {PRELOAD}"]


# A package laid out as the provider's: an index of `exports.<name> = require("./<module>")` lines.
MODULE = 'globalThis.evaluated = [...(globalThis.evaluated || []), "{name}"]; exports.{cls} = class {cls} {{}};\n'
LOOKUPS = """
const provider = require(process.argv[1]);
const before = [...(globalThis.evaluated || [])];
const found = typeof provider.modelServing.ModelServing;
console.log(JSON.stringify({before, found, keys: Object.keys(provider), after: globalThis.evaluated || [],
                            again: provider.modelServing === provider.modelServing}));
"""


def fake_provider(root: Path, index_lines: list[str], module_file: str = "{name}.js") -> Path:
    lib = root / "node_modules" / "@cdktf" / "provider-databricks" / "lib"
    for name, cls in (("model-serving", "ModelServing"), ("grants", "Grants")):
        module = lib / module_file.format(name=name)
        module.parent.mkdir(parents=True, exist_ok=True)
        module.write_text(MODULE.format(name=name, cls=cls), encoding="utf-8")
    (lib / "index.js").write_text('"use strict";\n' + "\n".join(index_lines) + "\n", encoding="utf-8")
    (lib.parent / "package.json").write_text('{"name": "@cdktf/provider-databricks", "main": "lib/index.js"}',
                                             encoding="utf-8")
    return lib.parent


def lookups(package: Path) -> dict:
    done = subprocess.run(["node", "--require", str(LAZY_PROVIDER_INDEX), "-e", LOOKUPS, str(package)],
                          capture_output=True, text=True, check=True, timeout=60)
    return json.loads(done.stdout)


PLAIN_INDEX = ['exports.grants = require("./grants");', 'exports.modelServing = require("./model-serving");']


def test_the_index_loads_a_module_on_first_use_only(tmp_path):
    seen = lookups(fake_provider(tmp_path, PLAIN_INDEX))
    assert seen["before"] == []
    assert seen["found"] == "function"
    assert seen["keys"] == ["grants", "modelServing"]
    assert seen["after"] == ["model-serving"]
    assert seen["again"] is True


def test_an_index_of_starred_imports_loads_a_module_on_first_use_too(tmp_path):
    """CDK Terrain's provider index: `exports.<name> = __importStar(require("./<module>/index"));`."""
    star = ('var __importStar = (m) => (m && m.__esModule ? m : { ...m, default: m });')
    index = [star, *(f'exports.{name} = __importStar(require("./{path}/index"));'
                      for name, path in (("grants", "grants"), ("modelServing", "model-serving")))]
    seen = lookups(fake_provider(tmp_path, index, module_file="{name}/index.js"))
    assert seen["before"] == []
    assert seen["found"] == "function"
    assert seen["after"] == ["model-serving"]


def test_an_index_in_another_shape_loads_as_node_would(tmp_path):
    index = [*PLAIN_INDEX, 'Object.assign(exports, { extra: require("./grants") });']
    seen = lookups(fake_provider(tmp_path, index))
    assert seen["before"] == ["grants", "model-serving"]
    assert seen["found"] == "function"
    assert "extra" in seen["keys"]


STACKS = """
const token = { stack: "" };
Error.captureStackTrace(token);
let thrown;
try { null.missing; } catch (error) { thrown = error.stack; }
const foreign = require("vm").runInNewContext("new Error('from another realm')").stack;
console.log(JSON.stringify({ token: token.stack, thrown, foreign }));
"""


def stacks(*preloads: Path) -> dict:
    argv = ["node", *(arg for path in preloads for arg in ("--require", str(path))), "-e", STACKS]
    return json.loads(subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60).stdout)


def test_creation_stacks_are_empty_and_errors_keep_theirs():
    seen = stacks(CREATION_STACKS_OFF)
    assert seen["token"] == ""
    assert seen["thrown"].startswith("TypeError: Cannot read properties of null (reading 'missing')\n    at ")
    assert seen["thrown"].splitlines()[1:] == stacks()["thrown"].splitlines()[1:]
    assert seen["foreign"].startswith("Error: from another realm\n    at ")

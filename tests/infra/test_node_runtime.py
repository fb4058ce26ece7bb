"""The jsii runtime: one Node process (no relay) with a bounded young generation, a lazy provider index, empty
creation stacks and a single-pass JSON writer; Python keeps the user's NODE_OPTIONS."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

from infra.node_runtime import (
    CHANNEL_SCRIPT,
    KERNEL,
    KERNEL_CHANNEL,
    KERNEL_PROGRAM,
    NODE_FLAGS,
    PRELOADS,
    SEMI_SPACE_MB,
    jsii_kernel_files,
    node_options_for_runtime,
    runtime_node_options,
    single_process_runtime,
    written_kernel,
)

ROOT = Path(__file__).resolve().parents[2]
BOUNDED = f"--max-semi-space-size={SEMI_SPACE_MB}"
LAZY_PROVIDER_INDEX, CREATION_STACKS_OFF, STABLE_STRINGIFY = PRELOADS
PRELOAD = " ".join(f'--require "{path}"' for path in PRELOADS)
RUNTIME_VARIABLES = {"NODE_OPTIONS", "JSII_NODE", "JSII_RUNTIME", "LAKESTACK_JSII_PROGRAM", "LAKESTACK_JSII_NODE",
                     "LAKESTACK_JSII_NODE_FLAGS"}


def test_the_young_generation_is_bounded_and_the_index_preloaded_beside_the_users_options():
    assert runtime_node_options("") == f"{BOUNDED} {PRELOAD}"
    assert runtime_node_options("--enable-source-maps") == f"--enable-source-maps {BOUNDED} {PRELOAD}"


def test_a_users_own_young_generation_size_is_kept():
    assert runtime_node_options("--max-semi-space-size=32") == f"--max-semi-space-size=32 {PRELOAD}"


def test_a_preload_path_with_spaces_is_quoted_and_one_nodes_options_cannot_spell_is_left_out(tmp_path):
    spaced = tmp_path / "a folder" / "index.js"
    unspellable = tmp_path / 'say "hi"' / "index.js"
    assert runtime_node_options("", (spaced, unspellable)) == f'{BOUNDED} --require "{spaced}"'


def test_node_options_and_the_runtime_variables_are_restored_after_the_runtime_starts():
    environ = {"NODE_OPTIONS": "--enable-source-maps"}
    with node_options_for_runtime(environ):
        assert environ["NODE_OPTIONS"] == f"--enable-source-maps {BOUNDED} {PRELOAD}"
        assert environ["JSII_RUNTIME"] == str(KERNEL)
    assert environ == {"NODE_OPTIONS": "--enable-source-maps"}
    unset: dict[str, str] = {}
    with node_options_for_runtime(unset):
        assert unset["NODE_OPTIONS"] == f"{BOUNDED} {PRELOAD}"
        assert set(unset) == RUNTIME_VARIABLES - {"LAKESTACK_JSII_NODE"}
    assert unset == {}


def test_the_kernel_runs_under_the_channel_script_with_the_users_node():
    variables = single_process_runtime({"JSII_NODE": "/opt/node-20/bin/node"})
    assert variables["JSII_NODE"] == str(CHANNEL_SCRIPT) and variables["JSII_RUNTIME"] == str(KERNEL)
    assert variables["LAKESTACK_JSII_NODE"] == "/opt/node-20/bin/node"
    assert variables["LAKESTACK_JSII_NODE_FLAGS"].split() == list(NODE_FLAGS)
    assert Path(variables["LAKESTACK_JSII_PROGRAM"]).read_bytes() == jsii_kernel_files()[KERNEL_PROGRAM]


def test_a_runtime_the_user_gave_jsii_is_kept():
    assert single_process_runtime({"JSII_RUNTIME": "/opt/my-runtime.js"}) == {}


def test_a_channel_script_that_lost_its_executable_mode_keeps_jsiis_relay(tmp_path, monkeypatch):
    copy = tmp_path / CHANNEL_SCRIPT.name
    copy.write_bytes(CHANNEL_SCRIPT.read_bytes())
    copy.chmod(0o644)
    monkeypatch.setattr("infra.node_runtime.CHANNEL_SCRIPT", copy)
    assert single_process_runtime({}) == {}


def test_a_kernel_that_does_not_talk_on_fd_3_keeps_jsiis_relay(tmp_path):
    assert KERNEL_CHANNEL in jsii_kernel_files()[KERNEL_PROGRAM]  # the installed jsii's kernel is the one mirrored
    assert written_kernel({KERNEL_PROGRAM: b"new SyncStdio({readFD:4,writeFD:5})"}) is None
    program = written_kernel({KERNEL_PROGRAM: b"x" + KERNEL_CHANNEL, "lib/runtime-index-worker.js": b"worker"})
    assert program is not None and program.name == "program.js"
    assert (program.parent / "runtime-index-worker.js").read_bytes() == b"worker"


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
def command(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return [part.decode() for part in f.read().split(b"\\0") if part]
runtime = children(os.getpid())
print(json.dumps({"python": {name: os.environ.get(name) for name in VARIABLES},
                  "runtime": [node_options(p) for p in runtime], "commands": [command(p) for p in runtime],
                  "grandchildren": [children(p) for p in runtime]}))
""".replace("VARIABLES", repr(sorted(RUNTIME_VARIABLES)))


def test_the_started_runtime_is_one_process_with_the_options_and_python_keeps_none():
    env = {key: value for key, value in os.environ.items() if key not in RUNTIME_VARIABLES}
    done = subprocess.run([sys.executable, "-c", RUNTIME_ENVIRONMENTS], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True, timeout=120)
    seen = json.loads(done.stdout)
    assert set(seen["python"].values()) == {None}
    assert seen["runtime"] == [f"{BOUNDED} {PRELOAD}"]
    [command] = seen["commands"]
    assert command[0] == "node" and command[1:len(NODE_FLAGS) + 1] == list(NODE_FLAGS)
    assert command[-1] == str(KERNEL)
    assert seen["grandchildren"] == [[]]  # no relay process between Python and the kernel


# A stand-in for jsii's kernel: reads one request on fd 3, prints, and answers on fd 3.
FAKE_KERNEL = """
const fs = require("fs");
const buffer = Buffer.alloc(64);
const request = buffer.subarray(0, fs.readSync(3, buffer, 0, 64, null)).toString().trim();
console.log("printed");
console.error("warned");
fs.writeSync(3, `answer to ${request}\\n`);
"""


def test_the_kernel_answers_on_stdout_and_what_it_prints_goes_to_stderr_as_jsii_relays_it(tmp_path):
    program = tmp_path / "program.js"
    program.write_text(FAKE_KERNEL, encoding="utf-8")
    env = {**os.environ, "LAKESTACK_JSII_PROGRAM": str(program), "LAKESTACK_JSII_NODE_FLAGS": "--single-threaded"}
    done = subprocess.run([str(CHANNEL_SCRIPT), str(KERNEL)], input=b"hello\n", env=env, capture_output=True,
                          check=True, timeout=60)
    assert done.stdout == b"answer to hello\n"
    relayed = [json.loads(line) for line in done.stderr.splitlines()]
    assert relayed == [{"stdout": base64.b64encode(b"printed\n").decode()},
                       {"stderr": base64.b64encode(b"warned\n").decode()}]


def test_the_kernel_refuses_to_run_without_the_channel_script():
    done = subprocess.run(["node", str(KERNEL)], input=b"", capture_output=True, timeout=60, check=False)
    assert done.returncode != 0
    assert b"runs under infra/jsii_channel.sh" in done.stderr


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
// V8's capture would redefine the property (not enumerable); without it, the object keeps CDKTF's own.
const captured = Object.getOwnPropertyDescriptor(token, "stack");
let thrown;
try { null.missing; } catch (error) { thrown = error.stack; }
const foreign = require("vm").runInNewContext("new Error('from another realm')").stack;
console.log(JSON.stringify({ token: token.stack, captured, thrown, foreign }));
"""


def stacks(*preloads: Path) -> dict:
    argv = ["node", *(arg for path in preloads for arg in ("--require", str(path))), "-e", STACKS]
    return json.loads(subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60).stdout)


def test_creation_stacks_are_empty_and_errors_keep_theirs():
    seen = stacks(CREATION_STACKS_OFF)
    assert seen["token"] == ""
    assert seen["captured"] == {"value": "", "writable": True, "enumerable": True, "configurable": True}
    assert seen["thrown"].startswith("TypeError: Cannot read properties of null (reading 'missing')\n    at ")
    assert seen["thrown"].splitlines()[1:] == stacks()["thrown"].splitlines()[1:]
    assert seen["foreign"].startswith("Error: from another realm\n    at ")

"""The synth's single-pass JSON writer (infra/stable_stringify.js) writes json-stable-stringify's exact bytes.

Compared with the library CDKTF bundles (installed by `make node`) on values chosen for every branch of the
library (toJSON, undefined members and items, functions, symbols, empty containers at any depth, keys that
look like array indexes, escapes, spacing options) and on every stack of the shipped example.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from infra.node_runtime import PRELOADS

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "node_modules" / "cdktf" / "node_modules" / "json-stable-stringify"
STABLE_STRINGIFY = PRELOADS[2]

pytestmark = pytest.mark.skipif(not LIBRARY.is_dir(), reason="the cdktf CLI is not installed (make node)")

COMPARE = """
const [library, writer, ...files] = process.argv.slice(1);
const lib = require(library);
const ours = require(writer).stableStringify(lib);
const fs = require("fs");
const shared = { x: [1, 2] };
const values = [
  {}, [], { a: [], b: {}, c: [{}], d: [[]], e: { f: { g: [] } } },
  { "10": 1, "9": 2, a: 3, "": 4, "\\u00e9": 5, Z: 6, "b c": 7, "\\"q\\"": 8 },
  { u: undefined, f() {}, s: Symbol("x"), n: null, nan: NaN, inf: -Infinity, z: -0, big: 1e300 },
  [undefined, () => 1, Symbol("y"), null, 1.5, "x\\u2028\\"\\\\\\n\\t"],
  { d: new Date(0), t: { toJSON() { return { b: 1, a: [undefined] }; } }, gone: { toJSON() { return undefined; } } },
  "text", 12, true, null, undefined, () => 0, new Date(5), { toJSON: () => "top" },
  [[[[]]]], Object.create(null), { a: shared, b: shared, c: [shared, shared] },
  ...files.map((file) => JSON.parse(fs.readFileSync(file, "utf8"))),
];
const options = [[], [{ space: 2 }], [{ space: "\\t" }], [{ space: 0 }], [{}], [undefined]];
const differences = [];
values.forEach((value, i) => options.forEach((args) => {
  const [expected, written] = [lib(value, ...args), ours(value, ...args)];
  if (expected !== written) differences.push({ value: i, args: JSON.stringify(args) });
}));
const cyclic = { a: 1 };
cyclic.self = { back: cyclic };
const thrown = [lib, ours].map((write) => {
  try { write(cyclic, { space: 2 }); return null; } catch (e) { return `${e.name}: ${e.message}`; }
});
const reversed = { cmp: (a, b) => (a.key < b.key ? 1 : -1), space: 2 };
console.log(JSON.stringify({ compared: values.length * options.length, differences, thrown,
                             delegated: ours({ a: 1, b: 2 }, reversed) === lib({ a: 1, b: 2 }, reversed) }));
"""


def compare(*files: Path) -> dict:
    argv = ["node", "-e", COMPARE, str(LIBRARY), str(STABLE_STRINGIFY), *map(str, files)]
    return json.loads(subprocess.run(argv, capture_output=True, text=True, check=True, timeout=120).stdout)


def test_the_writer_writes_the_librarys_bytes_for_every_branch_and_every_example_stack(example_synth_dir):
    stacks = sorted(example_synth_dir.glob("stacks/*/cdk.tf.json"))
    seen = compare(*stacks)
    assert len(stacks) == 6 and seen["compared"] == (18 + len(stacks)) * 6
    assert seen["differences"] == []
    assert seen["thrown"] == ["TypeError: Converting circular structure to JSON"] * 2
    assert seen["delegated"] is True  # a comparator: the library's own function


LOADED = """
const a = require("json-stable-stringify");
console.log(JSON.stringify({ wrapped: a !== require(process.argv[1]), same: a({ b: [], a: 1 }, { space: 2 }) }));
"""


def fake_library(root: Path, version: str) -> Path:
    package = root / "node_modules" / "json-stable-stringify"
    package.mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": "json-stable-stringify", "version": version}))
    (package / "index.js").write_text(f'module.exports = require("{LIBRARY}");\n', encoding="utf-8")
    return package


@pytest.mark.parametrize(("version", "wrapped"), [("1.3.0", True), ("2.0.0", False)])
def test_only_the_mirrored_major_version_is_replaced(tmp_path, version, wrapped):
    package = fake_library(tmp_path, version)
    done = subprocess.run(["node", "--require", str(STABLE_STRINGIFY), "-e", LOADED, str(package)], cwd=tmp_path,
                          capture_output=True, text=True, check=True, timeout=60)
    assert json.loads(done.stdout) == {"wrapped": wrapped, "same": '{\n  "a": 1,\n  "b": [\n  ]\n}'}

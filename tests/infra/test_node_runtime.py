"""The jsii runtime starts with a bounded young generation; the rest of the process keeps the user's NODE_OPTIONS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from infra.node_runtime import SEMI_SPACE_MB, node_options_for_runtime, runtime_node_options

ROOT = Path(__file__).resolve().parents[2]
BOUNDED = f"--max-semi-space-size={SEMI_SPACE_MB}"


def test_the_young_generation_is_bounded_beside_the_users_options():
    assert runtime_node_options("") == BOUNDED
    assert runtime_node_options("--enable-source-maps") == f"--enable-source-maps {BOUNDED}"


def test_a_users_own_young_generation_size_is_kept():
    assert runtime_node_options("--max-semi-space-size=32") == "--max-semi-space-size=32"


def test_node_options_are_restored_after_the_runtime_starts():
    environ = {"NODE_OPTIONS": "--enable-source-maps"}
    with node_options_for_runtime(environ):
        assert environ["NODE_OPTIONS"] == f"--enable-source-maps {BOUNDED}"
    assert environ == {"NODE_OPTIONS": "--enable-source-maps"}
    unset: dict[str, str] = {}
    with node_options_for_runtime(unset):
        assert unset["NODE_OPTIONS"] == BOUNDED
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


def test_the_started_runtime_has_the_bounded_young_generation_and_python_does_not():
    env = {key: value for key, value in os.environ.items() if key != "NODE_OPTIONS"}
    done = subprocess.run([sys.executable, "-c", RUNTIME_ENVIRONMENTS], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True, timeout=120)
    seen = json.loads(done.stdout)
    assert seen["python"] is None
    assert seen["runtime"] == [BOUNDED]

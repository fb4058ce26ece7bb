"""The CDK engine seam: every CDK import goes through `infra/cdk.py`, and both engines synthesize the same platform.

CDK Terrain binds a newer provider (1.138 against CDKTF's 1.99), so the comparison is of resources
and attributes: the same addresses with the same attributes; what may differ is listed in
`ENGINE_DIFFERENCES` (docs/cdk-engine.md). Run under both with `make cdktn-compare` (a venv with the
`lakestack[cdktn]` extra); elsewhere the comparison is skipped.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.cdk_engine import ENGINE_VARIABLE, selected_engine
from lakestack.errors import InputError
from tests.configs import EXAMPLE

ROOT = Path(__file__).resolve().parents[2]
CDK_PACKAGES = ("cdktf", "cdktn", "constructs", "cdktf_cdktf_provider_databricks", "cdktn_provider_databricks")
# Where the two engines' synths may differ, and why: the provider version each binds, and the
# toolkit's own version in CDKTF's `//` metadata.
ENGINE_DIFFERENCES = {
    ("terraform", "required_providers", "databricks", "version"): "provider 1.99.0 (cdktf) vs 1.138.0 (cdktn)",
    ("//", "metadata", "version"): "toolkit version in the metadata (0.21.0 vs 0.24.0)",
}


def cdk_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
            [alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
        found += [name for name in names if name.split(".")[0] in CDK_PACKAGES]
    return found


def test_every_cdk_import_goes_through_the_seam():
    offenders = {
        str(path.relative_to(ROOT)): cdk_imports(path)
        for folder in ("infra", "lakestack", "policies", "review", "bootstrap", "lifecycle", "tests")
        for path in (ROOT / folder).rglob("*.py")
        if path != ROOT / "infra" / "cdk.py" and cdk_imports(path)
    }
    assert offenders == {}, "import CDK classes from infra.cdk (add new provider classes there)"


def test_engine_is_chosen_by_the_environment():
    assert selected_engine({}).name == "cdktf"
    assert selected_engine({ENGINE_VARIABLE: "cdktn"}).provider == "cdktn_provider_databricks"
    with pytest.raises(InputError, match="unknown CDK engine"):
        selected_engine({ENGINE_VARIABLE: "pulumi"})


def test_a_missing_engine_is_one_line_naming_the_extra(tmp_path):
    if importlib.util.find_spec("cdktn") is not None:
        pytest.skip("cdktn is installed here")
    done = synth_under("cdktn", tmp_path / "out")
    assert done.returncode == 2
    assert "lakestack[cdktn]" in done.stderr and "Traceback" not in done.stderr


def synth_under(engine: str, out: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, ENGINE_VARIABLE: engine, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    return subprocess.run([sys.executable, "-m", "lakestack", "synth", "--config", str(EXAMPLE), "--out", str(out)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)


def flatten(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flatten(item, (*path, key))
    elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        for i, item in enumerate(value):
            yield from flatten(item, (*path, i))
    else:
        yield path, value


def differences(a: Path, b: Path) -> dict[str, list[str]]:
    """Per stack, every leaf path whose value differs between two synth folders."""
    out: dict[str, list[str]] = {}
    stacks = sorted({p.parent.name for folder in (a, b) for p in folder.glob("stacks/*/cdk.tf.json")})
    for stack in stacks:
        docs = [dict(flatten(json.loads((folder / "stacks" / stack / "cdk.tf.json").read_text())))
                if (folder / "stacks" / stack / "cdk.tf.json").exists() else {} for folder in (a, b)]
        changed = [path for path in sorted(set(docs[0]) | set(docs[1]), key=str)
                   if docs[0].get(path) != docs[1].get(path) and path not in ENGINE_DIFFERENCES]
        if changed:
            out[stack] = [".".join(map(str, path)) for path in changed]
    return out


@pytest.mark.skipif(importlib.util.find_spec("cdktn") is None,
                    reason="CDK Terrain is not installed (the lakestack[cdktn] extra); `make cdktn-compare` runs this")
def test_both_engines_synthesize_the_same_resources_and_attributes(tmp_path):
    for engine in ("cdktf", "cdktn"):
        done = synth_under(engine, tmp_path / engine)
        assert done.returncode == 0, done.stderr
    assert differences(tmp_path / "cdktf", tmp_path / "cdktn") == {}
    provider = json.loads((tmp_path / "cdktn" / "stacks" / "prod" / "cdk.tf.json").read_text())
    assert provider["terraform"]["required_providers"]["databricks"]["version"].startswith("1.138")


@pytest.mark.skipif(importlib.util.find_spec("cdktn") is None,
                    reason="CDK Terrain is not installed (the lakestack[cdktn] extra); `make cdktn-compare` runs this")
def test_parallel_synth_under_cdktn_writes_the_same_bytes_as_serial(tmp_path):
    script = ("import sys; from pathlib import Path; from infra.config import load_config; "
              "from infra.synth import synth; "
              "synth(load_config(sys.argv[1]), Path(sys.argv[2]), parallel=sys.argv[3] == 'parallel')")
    env = {**os.environ, ENGINE_VARIABLE: "cdktn", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    for mode in ("serial", "parallel"):
        subprocess.run([sys.executable, "-c", script, str(EXAMPLE), str(tmp_path / mode), mode],
                       check=True, env=env, cwd=ROOT, timeout=600)
    files = sorted(p.relative_to(tmp_path / "serial") for p in (tmp_path / "serial").rglob("*") if p.is_file())
    assert files and all((tmp_path / "serial" / f).read_bytes() == (tmp_path / "parallel" / f).read_bytes()
                         for f in files)

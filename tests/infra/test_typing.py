"""The types the checker sees, and the Terraform names the stacks rely on: a resource created in its stack with
`terraform_name(...)` as construct id gets that name, and `infra/cdk.py` gives the checker the same classes it gives
the running program.

This file is also type-checked (`make typecheck`): the `assert_type` calls fail the type checker, not only
pytest, if a provider class stops being seen with its own type.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import assert_type

from infra import cdk
from infra.cdk import App, Catalog, Construct, RegisteredModel, TerraformStack
from infra.constructs.naming import terraform_name

CDK = Path(__file__).resolve().parents[2] / "infra" / "cdk.py"


def test_a_stack_level_construct_id_is_the_terraform_name_and_types_are_kept(tmp_path: Path) -> None:
    # An App writes to its outdir (default: ./cdktf.out); keep it out of the working directory.
    stack = TerraformStack(App(outdir=str(tmp_path)), "typing")
    catalog = Catalog(stack, terraform_name("catalog main"), name="retail_dev")
    model = RegisteredModel(stack, terraform_name("model-x"), name="m", catalog_name=catalog.name, schema_name="ml")
    nested = RegisteredModel(Construct(stack, "group"), "model", name="n", catalog_name="c", schema_name="ml")
    assert_type(catalog, Catalog)
    assert_type(model, RegisteredModel)
    assert_type(catalog.name, str)
    resources = json.loads(cdk.Testing.synth(stack))["resource"]
    assert set(resources["databricks_catalog"]) == {"catalog_main"}
    models = set(resources["databricks_registered_model"])
    assert "model_x" in models
    # Why the constructs create resources in the stack itself: a nested id gets a path and a hash.
    assert nested.friendly_unique_id in models and nested.friendly_unique_id.startswith("group_model_")


def _static_and_runtime_branches() -> tuple[list[ast.stmt], list[ast.stmt]]:
    for node in ast.parse(CDK.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            return node.body, node.orelse
    raise AssertionError("infra/cdk.py has no `if TYPE_CHECKING:` branch")


def _static_classes(branch: list[ast.stmt]) -> dict[str, str]:
    """Class name -> where the checker reads it: 'constructs', 'core' or the provider submodule."""
    out = {}
    for node in branch:
        assert isinstance(node, ast.ImportFrom) and node.module, "the TYPE_CHECKING branch only imports"
        package, _, submodule = node.module.partition(".")
        where = {"constructs": "constructs", "cdktf": "core"}.get(package) or submodule
        assert package in ("constructs", "cdktf") or package == "cdktf_cdktf_provider_databricks"
        out.update({alias.name: where for alias in node.names if alias.asname is None})
    return out


def _runtime_classes(branch: list[ast.stmt]) -> dict[str, str]:
    """Class name -> where the running program takes it from, read from the `X = <module>.X` assignments."""
    modules = {"_core": "core"}
    out = {}
    for node in branch:
        if not (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)):
            continue
        name, value = node.targets[0].id, node.value
        if isinstance(value, ast.Call) and _submodule(value):
            modules[name] = _submodule(value)
        elif isinstance(value, ast.Attribute) and not name.startswith("_"):
            assert value.attr == name, f"{name} is bound to another class ({value.attr})"
            base = value.value
            if isinstance(base, ast.Name):
                out[name] = modules[base.id]
            else:
                assert isinstance(base, ast.Call)
                out[name] = _submodule(base) or "constructs"
    return out


def _submodule(call: ast.Call) -> str:
    """`provider_module(ENGINE, "sub")` -> "sub"; anything else -> ""."""
    if isinstance(call.func, ast.Name) and call.func.id == "provider_module":
        argument = call.args[1]
        assert isinstance(argument, ast.Constant) and isinstance(argument.value, str)
        return argument.value
    return ""


def test_the_checker_and_the_program_see_the_same_cdk_classes() -> None:
    static, runtime = _static_and_runtime_branches()
    assert _static_classes(static) == _runtime_classes(runtime), (
        "a class in infra/cdk.py is imported in the TYPE_CHECKING branch and bound in the runtime branch, "
        "from the same module")

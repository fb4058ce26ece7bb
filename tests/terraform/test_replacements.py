"""The review's table of attributes that force a replacement, checked against the real provider.

For every resource type the review knows, a resource that already exists (a state written from the
example's values) gets one top-level attribute changed in its configuration; `terraform plan
-refresh=false` then says, from the provider's own schema and diff logic, whether that change
replaces the resource or updates it. The review's `FORCES_NEW` must agree for every attribute tried.
No API is called: nothing is refreshed and nothing is applied.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from review.synth_diff import FORCES_NEW, META_KEYS, resolve_references, resources
from tests.fakes.server import FakeDatabricks
from tests.terraform import harness

# Valid other values for attributes whose values come from a fixed set.
ALTERNATIVES = {
    "binding_type": {"BINDING_TYPE_READ_ONLY": "BINDING_TYPE_READ_WRITE"},
    "isolation_mode": {"OPEN": "ISOLATED", "ISOLATED": "OPEN"},
    "table_type": {"MANAGED": "EXTERNAL"},
    "data_source_format": {"DELTA": "PARQUET"},
    "securable_type": {"catalog": "external_location"},
    "permissions": {"USER": "ADMIN"},
    "pricing_tier": {"PREMIUM": "ENTERPRISE"},
}
# Attributes whose change the provider refuses at plan for reasons other than replacement (a value that
# must match another attribute, a server-side rename rule) or that carry no comparable value.
SKIPPED = {"id", "owner", "warehouse_id", "column", "properties", "provider"}
REFERENCE = re.compile(r"\$\{[^}]+\}")


def changed(attribute: str, value: Any) -> Any:
    """A different valid value of the same type."""
    if attribute in ALTERNATIVES:
        if isinstance(value, list):
            return [ALTERNATIVES[attribute].get(v, v) for v in value]
        return ALTERNATIVES[attribute].get(value, value)
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return f"{value}_changed" if not value.startswith("/") else f"{value}/changed"
    return None


def _literal(body: Any, types: dict[str, Any]) -> Any:
    """References the example could not resolve offline become a value of the attribute's type."""
    return {key: _placeholder(value, types.get(key)) for key, value in body.items()}


def _placeholder(value: Any, kind: Any) -> Any:
    if isinstance(value, dict):
        return {k: _placeholder(v, None) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeholder(v, None) for v in value]
    if isinstance(value, str) and REFERENCE.search(value):
        return 9 if kind == "number" else "00000000-0000-4000-8000-000000000009"
    return value


def state_values(values: dict[str, Any], block: dict[str, Any]) -> dict[str, Any]:
    """Configuration values in state form: nested blocks of list or set nesting are always lists."""
    out = dict(values)
    for name, nested in block.get("block_types", {}).items():
        if name not in out:
            continue
        items = out[name] if isinstance(out[name], list) else [out[name]]
        items = [state_values(item, nested["block"]) for item in items]
        out[name] = items[0] if nested["nesting_mode"] == "single" else items
    return out


def samples(synth_dir: Path, schemas: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """One example body per resource type, references resolved, meta-arguments dropped."""
    found: dict[str, dict[str, Any]] = {}
    for file in sorted(synth_dir.glob("stacks/*/cdk.tf.json")):
        doc = json.loads(file.read_text())
        declared = resources(doc)
        for _, (rtype, body) in sorted(declared.items()):
            if rtype in FORCES_NEW and rtype not in found:
                body = resolve_references(body, declared)
                types = {k: a.get("type") for k, a in schemas[rtype]["block"].get("attributes", {}).items()}
                found[rtype] = _literal({k: v for k, v in body.items() if k not in META_KEYS}, types)
    return found


def cases(bodies: dict[str, dict[str, Any]]) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(type, attribute, existing values, configured values) for each changeable top-level attribute."""
    out = []
    for rtype, body in sorted(bodies.items()):
        for attribute, value in sorted(body.items()):
            if attribute in SKIPPED or isinstance(value, dict) or (
                    isinstance(value, list) and value and isinstance(value[0], dict)):
                continue
            new = changed(attribute, value)
            if new is None or new == value:
                continue
            out.append((rtype, attribute, body, {**copy.deepcopy(body), attribute: new}))
    return out


@pytest.fixture(scope="module")
def planned(example_synth_dir: Path, terraform_cli: Path, tmp_path_factory: pytest.TempPathFactory,
            fake_api: FakeDatabricks, provider_version: str) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    work_dir = tmp_path_factory.mktemp("replacements")
    config: dict[str, Any] = {
        "terraform": {"required_providers": {"databricks": {"source": "databricks/databricks",
                                                            "version": provider_version}}},
        "provider": {"databricks": [{"host": fake_api.url}]},
    }
    source = work_dir / "source.tf.json"
    source.write_text(json.dumps(config))
    work = harness.prepare(source, work_dir / "stack", host=fake_api.url, cli_config_file=terraform_cli)
    work.init()
    provider_schemas = json.loads(work.run("providers", "schema", "-json").stdout)["provider_schemas"]
    schemas = next(iter(provider_schemas.values()))["resource_schemas"]
    tried = cases(samples(example_synth_dir, schemas))
    config["resource"] = {}
    for rtype, attribute, _, new in tried:
        config["resource"].setdefault(rtype, {})[attribute] = new
    config["terraform"]["backend"] = {"local": {"path": "terraform.tfstate"}}
    (work.path / "cdk.tf.json").write_text(json.dumps(config))
    state = harness.state_document(resources=[
        harness.state_resource(rtype, attribute,
                               {**state_values(old, schemas[rtype]["block"]), "id": f"existing-{rtype}-{attribute}"},
                               schemas[rtype]["version"])
        for rtype, attribute, old, _ in tried
    ])
    (work.path / "terraform.tfstate").write_text(json.dumps(state))
    plan = work.plan("-refresh=false")
    return [(rtype, attribute) for rtype, attribute, _, _ in tried], plan


def test_the_review_knows_which_changes_replace_a_resource(
        planned: tuple[list[tuple[str, str]], dict[str, Any]]) -> None:
    tried, plan = planned
    # The changed attribute itself must be among the paths that force the replacement: a crafted state
    # lacks computed defaults (`partitions`, `is_no_public_ip_enabled`), which the provider may also list.
    replacing = {(c["type"], c["name"]): c["change"].get("replace_paths") or [] for c in plan["resource_changes"]}
    disagreements = []
    for rtype, attribute in tried:
        replaced = [attribute] in replacing[(rtype, attribute)]
        if replaced != (attribute in FORCES_NEW[rtype]):
            said = "replaces" if replaced else "updates in place"
            disagreements.append(f"{rtype}.{attribute}: the provider {said}")
    assert not disagreements, "\n".join(disagreements)
    assert len(tried) >= 30  # the check covers the example's resources, not a handful


"""The review's JSON converts its facts exactly as `dataclasses.asdict` would, values inside them included."""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import pytest

from review.attributes import AttributeChange
from review.audit_findings import AuditFinding
from review.highlights import BindingChange, GrantChange, Risk
from review.json_output import as_data
from review.report import StackSummary

Pair = namedtuple("Pair", "left right")


class Level(StrEnum):
    HIGH = "high"


@dataclass(frozen=True)
class Inner:
    name: str
    tags: tuple[str, ...] = ()


@dataclass
class Outer:
    inner: Inner
    values: Any = None
    by_name: dict[str, Any] = field(default_factory=dict)


FACTS = [
    StackSummary("prod", "prod", "prod", "config diff", {"create": 1, "no-op": 3}),
    Risk("high", "access", "prod", "databricks_grants.x", "ml_engineers become writers"),
    GrantChange("prod", "prod", "prod", "databricks_grants.x", "retail_prod", "catalog",
                added={"ml_engineers": ("MODIFY", "SELECT")}, removed={}),
    BindingChange("prod", "prod", "databricks_workspace_binding.b", "create", "retail_prod", "123", None,
                  "BINDING_TYPE_READ_WRITE", "prod"),
    AuditFinding("LS-UC-001", "title", "high", "prod", "databricks_grants.x", "message", waived=True),
    AttributeChange("grant[0].privileges", ["SELECT"], {"nested": [{"a": 1.5, "b": None}, True]}, True),
    Outer(Inner("x", ("a", "b")), values=[Inner("y"), (Inner("z"), 2), Pair(Inner("p"), [1])],
          by_name=OrderedDict(first=Inner("f"), second=Level.HIGH)),
]


@pytest.mark.parametrize("fact", FACTS, ids=[type(f).__name__ for f in FACTS])
def test_as_data_is_asdict(fact):
    converted = as_data(fact)
    assert converted == asdict(fact)
    assert repr(converted) == repr(asdict(fact))  # the same types and order, not only equal values


def test_as_data_copies_containers_as_asdict_does():
    fact = AttributeChange("tags", {"team": ["ml"]}, None)
    converted = as_data(fact)
    assert converted["before"] == fact.before and converted["before"] is not fact.before
    assert converted["before"]["team"] is not fact.before["team"]

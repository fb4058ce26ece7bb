"""Apply what was reviewed: a saved plan carries the commit and state it was made from, and is refused otherwise.

Terraform already refuses a saved plan whose state moved on ("Saved plan is stale"); checking the
commit and the state's lineage and serial before `terraform apply plan.tfplan` also refuses a plan
of another commit or another state, with a message that says which.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from lakestack.errors import InputError
from lakestack.terraform_json import read_json


@dataclass(frozen=True)
class PlanRecord:
    stack: str
    commit: str
    lineage: str | None  # None: the stack had no state yet
    serial: int | None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"


def state_identity(state_file: Path | None) -> tuple[str | None, int | None]:
    """Lineage and serial of `terraform state pull` output; an empty file is a stack with no state yet."""
    if state_file is None or not state_file.exists() or not state_file.read_text(encoding="utf-8").strip():
        return None, None
    state = read_json(state_file, "Terraform state")
    if not isinstance(state, dict) or "lineage" not in state:
        raise InputError(f"{state_file}: not Terraform state (no lineage)", hint="write it with `terraform state pull`")
    serial = state.get("serial")
    return str(state["lineage"]), int(serial) if isinstance(serial, int) else None


def record(stack: str, commit: str, state_file: Path | None) -> PlanRecord:
    lineage, serial = state_identity(state_file)
    return PlanRecord(stack=stack, commit=commit, lineage=lineage, serial=serial)


def read_record(path: Path) -> PlanRecord:
    data: Any = read_json(path, "saved-plan record")
    try:
        return PlanRecord(stack=str(data["stack"]), commit=str(data["commit"]), lineage=data.get("lineage"),
                          serial=data.get("serial"))
    except (KeyError, TypeError):
        raise InputError(f"{path}: not a saved-plan record (stack, commit, lineage, serial)") from None


def refusals(saved: PlanRecord, *, stack: str, commit: str, state_file: Path | None) -> list[str]:
    """Why this saved plan must not be applied here and now; empty when it may."""
    problems = []
    if saved.stack != stack:
        problems.append(f"the saved plan is of stack {saved.stack}, not {stack}")
    if saved.commit != commit:
        problems.append(f"the saved plan was made from commit {saved.commit[:12]}, this run is at {commit[:12]}: "
                        "plan again from this commit")
    lineage, serial = state_identity(state_file)
    if (lineage, serial) != (saved.lineage, saved.serial):
        problems.append(f"the state changed since the plan (lineage {saved.lineage}, serial {saved.serial} -> "
                        f"lineage {lineage}, serial {serial}): plan again and review the new plan")
    return problems

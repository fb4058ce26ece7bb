"""Shared fixtures for the policy tests: audit hand-built stacks and plans, synth the example once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from infra.config import PlatformConfig
from policies.audit import AuditReport, run_audit
from tests.policies.fixtures import Stack, compliant_stack, write_synth

AuditStacks = Callable[..., AuditReport]


@pytest.fixture
def audit_stacks(tmp_path: Path, example_config: PlatformConfig) -> AuditStacks:
    """Audit the given stacks (env name -> Stack) as a synth folder."""

    def audit(stacks: dict[str, Stack], **kwargs: object) -> AuditReport:
        return run_audit(example_config, synth_dir=write_synth(tmp_path / "synth", stacks), **kwargs)

    return audit


@pytest.fixture
def compliant(example_config: PlatformConfig) -> Callable[[str], Stack]:
    return lambda env: compliant_stack(example_config, env)

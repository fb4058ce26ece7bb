"""Promotion rules against a real local MLflow store: who becomes Champion, and when nothing moves."""

from __future__ import annotations

import json

import pytest

from lakestack.cli import main
from lakestack.errors import InputError
from lifecycle.context import TaskContext
from lifecycle.deployment import registry
from lifecycle.deployment.deploy import deploy, rollback
from lifecycle.deployment.promote import promote
from lifecycle.validation.validate import validate
from tests.conftest import EXAMPLE_CONFIG
from tests.lifecycle.conftest import ENV, MODEL, STALE, STRONG, WEAK


def state(ctx: TaskContext) -> tuple[dict[str, str], list[str]]:
    return registry.aliases(ctx.client, ctx.model_name), registry.champion_history(ctx.client, ctx.model_name)


def test_first_version_becomes_champion(ctx: TaskContext) -> None:
    result = promote(ctx, STRONG)
    assert result.decision == "promoted" and result.exit_code == 0
    assert result.validation.champion is None and result.validation.candidate_value is not None
    assert state(ctx) == ({"Champion": STRONG}, [])


def test_better_challenger_is_promoted_and_previous_champion_recorded(ctx: TaskContext) -> None:
    promote(ctx, WEAK)
    result = promote(ctx, STRONG)
    v = result.validation
    assert result.decision == "promoted"
    assert v.champion == WEAK and v.candidate_value > v.champion_value
    assert state(ctx) == ({"Champion": STRONG}, [WEAK])  # Challenger consumed by the deploy


def test_worse_candidate_is_rejected_and_nothing_changes(ctx: TaskContext) -> None:
    promote(ctx, STRONG)
    before = state(ctx)
    result = promote(ctx, WEAK)
    assert result.decision == "rejected" and result.exit_code == 1
    assert result.validation.candidate_value < result.validation.champion_value
    assert "needs to be not worse" in result.validation.reason
    assert state(ctx) == before == ({"Champion": STRONG}, [])


def test_candidate_below_threshold_is_rejected_even_without_champion(ctx: TaskContext) -> None:
    result = promote(ctx, STALE)
    assert result.decision == "rejected"
    assert result.validation.candidate_value < ctx.model.validation_or_default.threshold
    assert "misses the threshold" in result.validation.reason
    assert state(ctx) == ({}, [])


def test_dry_run_computes_but_changes_nothing(ctx: TaskContext) -> None:
    promote(ctx, WEAK)
    result = promote(ctx, STRONG, mode="dry_run")
    assert result.decision == "dry_run" and result.exit_code == 0
    assert result.validation.passed is True and result.validation.candidate_value is not None
    assert state(ctx) == ({"Champion": WEAK}, [])


def test_disabled_skips_validation_and_changes_nothing(ctx: TaskContext) -> None:
    promote(ctx, WEAK)
    result = promote(ctx, STRONG, mode="disabled")
    assert result.decision == "disabled" and result.validation.passed is None
    assert result.validation.candidate_value is None  # nothing was evaluated
    assert state(ctx) == ({"Champion": WEAK}, [])


def test_validate_sets_challenger_and_deploy_consumes_it(ctx: TaskContext) -> None:
    promote(ctx, WEAK)
    assert validate(ctx, STRONG).challenger_set
    assert state(ctx)[0] == {"Champion": WEAK, "Challenger": STRONG}
    deployment = deploy(ctx)
    assert (deployment.champion_before, deployment.champion_after) == (WEAK, STRONG)
    assert state(ctx) == ({"Champion": STRONG}, [WEAK])
    assert not deploy(ctx).changed  # no Challenger left: a second deploy does nothing


def test_rollback_restores_previous_champion(ctx: TaskContext) -> None:
    promote(ctx, WEAK)
    promote(ctx, STRONG)
    result = rollback(ctx)
    assert (result.champion_before, result.champion_after) == (STRONG, WEAK)
    assert state(ctx) == ({"Champion": WEAK}, [])
    with pytest.raises(InputError, match="no previous champion"):
        rollback(ctx)


def test_promote_and_rollback_commands(ctx: TaskContext, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--config", str(EXAMPLE_CONFIG), "--env", ENV, "--model", MODEL]
    assert main(["promote", *base, "--version", WEAK]) == 0
    assert main(["promote", *base, "--version", STRONG, "--format", "json"]) == 0
    out = capsys.readouterr().out
    decision = json.loads(out[out.index("{"):])
    assert decision["decision"] == "promoted"
    assert (decision["champion_before"], decision["champion_after"]) == (WEAK, STRONG)
    assert decision["metric"]["name"] == "roc_auc" and decision["metric"]["candidate"] > decision["metric"]["champion"]
    assert main(["promote", *base, "--version", WEAK]) == 1
    assert "rejected: " in capsys.readouterr().out
    assert main(["rollback", *base]) == 0
    assert state(ctx) == ({"Champion": WEAK}, [])


@pytest.mark.parametrize(("promoted", "command"), [([WEAK], ["promote", "--version", STRONG]),
                                                  ([WEAK, STRONG], ["rollback"])])
def test_a_registry_403_in_promote_or_rollback_is_one_line(ctx: TaskContext, promoted: list[str], command: list[str],
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from mlflow import MlflowClient
    from mlflow.exceptions import RestException

    base = ["--config", str(EXAMPLE_CONFIG), "--env", ENV, "--model", MODEL]
    for version in promoted:
        assert main(["promote", *base, "--version", version]) == 0
    before = state(ctx)
    capsys.readouterr()

    def refused(*_args: object, **_kwargs: object) -> None:
        raise RestException({"error_code": "PERMISSION_DENIED",
                             "message": f"User does not have MANAGE on Routine or Model '{ctx.model_name}'."})

    monkeypatch.setattr(MlflowClient, "set_registered_model_alias", refused)
    assert main([command[0], *base, *command[1:]]) == 2
    error, hint = capsys.readouterr().err.strip().splitlines()
    assert error.startswith("error: permission denied (403) at ") and "User does not have MANAGE" in error
    assert hint.startswith(f"hint: the calling identity needs EXECUTE and MANAGE (or ownership) on the registered "
                           f"model {ctx.model_name}")
    assert state(ctx) == before

"""Commands that need an extra the venv lacks fail with one line naming the install command (exit 2)."""

from __future__ import annotations

import importlib.util

import pytest

import lakestack.extras
from lakestack.cli import main
from tests.configs import EXAMPLE


@pytest.mark.parametrize("argv", [
    ["demo", "--config", str(EXAMPLE)],
    ["promote", "--config", str(EXAMPLE), "--env", "staging", "--model", "churn", "--version", "1"],
    ["rollback", "--config", str(EXAMPLE), "--env", "staging", "--model", "churn"],
])
def test_lifecycle_commands_without_the_lifecycle_extra(monkeypatch, capsys, argv):
    real = importlib.util.find_spec
    monkeypatch.setattr(lakestack.extras, "find_spec", lambda name: None if name == "mlflow" else real(name))
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: `lakestack " + argv[0] + "` needs the lifecycle extra (mlflow not installed): "
                   "pip install 'lakestack[lifecycle]'"]


def test_every_lifecycle_module_is_installed_in_the_dev_venv():
    assert lakestack.extras.missing_modules("lifecycle") == []

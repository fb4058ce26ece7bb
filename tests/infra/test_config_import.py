"""Every command imports the config; importing it builds no validator, loading builds the platform's one."""

from __future__ import annotations

import subprocess
import sys

from tests.configs import EXAMPLE

PROBE = """
import sys
from infra.config import load_config, model
from infra.config.data import DataConfig
classes = [c for c in vars(model).values() if isinstance(c, type) and issubclass(c, model.Strict)] + [DataConfig]
print(sum(c.__pydantic_complete__ for c in classes))
load_config(sys.argv[1])
print(model.PlatformConfig.__pydantic_complete__, model.ModelConfig.__pydantic_complete__)
"""


def test_importing_the_config_builds_no_validator():
    out = subprocess.run([sys.executable, "-c", PROBE, str(EXAMPLE)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "True", "False"]

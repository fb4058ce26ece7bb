"""Where each measured tool is, or why it is not there: the bench reports a missing tool, it never stops on one."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bench.configs import ROOT

CDKTF_CLI = ROOT / "node_modules" / ".bin" / "cdktf"
CHECKOV_VERSION = "3.3.30"
CHECKOV_VENV = ROOT / "bench" / ".venv-checkov"
QUIET_ENV = {"CHECKPOINT_DISABLE": "1", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
INSTALL_TIMEOUT = 900


@dataclass
class Toolchain:
    """Command prefixes of the tools, and for each missing one the reason."""

    lakestack: list[str]
    subcommands: set[str] = field(default_factory=set)
    cdktf: Path | None = None
    checkov: Path | None = None
    missing: dict[str, str] = field(default_factory=dict)

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, **QUIET_ENV, **extra}


def lakestack_command() -> list[str]:
    """The console script beside the interpreter running the bench (the path users take)."""
    script = Path(sys.executable).with_name("lakestack")
    return [str(script)] if script.exists() else [sys.executable, "-m", "lakestack"]


def available_subcommands(lakestack: list[str], names: tuple[str, ...]) -> set[str]:
    """The subcommands among `names` whose `--help` works (others are still being built)."""
    env = {**os.environ, **QUIET_ENV}
    return {
        name for name in names
        if subprocess.run([*lakestack, name, "--help"], capture_output=True, env=env, cwd=ROOT).returncode == 0
    }


def find_cdktf_cli() -> tuple[Path | None, str | None]:
    if CDKTF_CLI.exists():
        return CDKTF_CLI, None
    return None, f"{CDKTF_CLI.relative_to(ROOT)} not found; run `make node` (npm install) first"


def ensure_checkov(log: Path) -> tuple[Path | None, str | None]:
    """checkov in its own venv (`bench/.venv-checkov`, from PyPI), so the project's dependencies stay clean."""
    checkov = CHECKOV_VENV / "bin" / "checkov"
    if checkov.exists() and _checkov_version(checkov) == CHECKOV_VERSION:
        return checkov, None
    log.parent.mkdir(parents=True, exist_ok=True)
    steps = (
        [sys.executable, "-m", "venv", "--clear", str(CHECKOV_VENV)],
        [str(CHECKOV_VENV / "bin" / "pip"), "install", "--disable-pip-version-check", f"checkov=={CHECKOV_VERSION}"],
    )
    print(f"installing checkov {CHECKOV_VERSION} into {CHECKOV_VENV.relative_to(ROOT)} (log: {log})", flush=True)
    with log.open("wb") as out:
        for step in steps:
            try:
                done = subprocess.run(step, stdout=out, stderr=subprocess.STDOUT, timeout=INSTALL_TIMEOUT)
            except subprocess.TimeoutExpired:
                return None, f"checkov install timed out after {INSTALL_TIMEOUT} s (see {log})"
            if done.returncode != 0:
                return None, f"checkov install failed (exit {done.returncode}; see {log})"
    return checkov, None


def _checkov_version(checkov: Path) -> str | None:
    try:
        done = subprocess.run([str(checkov), "--version"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def discover(*, compare: bool, log_folder: Path) -> Toolchain:
    tools = Toolchain(lakestack=lakestack_command())
    tools.subcommands = available_subcommands(tools.lakestack, ("synth", "audit", "review"))
    if not compare:
        tools.missing["cdktf CLI"] = tools.missing["checkov"] = "not compared (--no-compare)"
        return tools
    tools.cdktf, reason = find_cdktf_cli()
    if reason:
        tools.missing["cdktf CLI"] = reason
    tools.checkov, reason = ensure_checkov(log_folder / "checkov-install.log")
    if reason:
        tools.missing["checkov"] = reason
    return tools

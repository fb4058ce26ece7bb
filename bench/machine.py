"""The machine a result came from: numbers mean nothing without it."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.configs import ROOT

VERSION = re.compile(r"\d+\.\d+")
COMMIT = re.compile(r"^[0-9a-f]{7,40}$")


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    try:
        for line in cpuinfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_bytes(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    try:
        for line in meminfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _version_of(argv: list[str], pattern: re.Pattern[str] = VERSION) -> str | None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=ROOT)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    # Some tools print warnings around the version (the cdktf CLI about a missing ~/.terraformrc).
    return next((line.strip() for line in done.stdout.splitlines() if pattern.search(line.strip())), None)


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def describe(tool_versions: dict[str, str | None], load_before: float | None = None) -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "memory_bytes": memory_bytes(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "node": _version_of(["node", "--version"]),
        "commit": _version_of(["git", "rev-parse", "--short", "HEAD"], COMMIT),
        # Other work on the machine skews wall clocks: the 1-minute load before and after tells how much.
        "load_average_1m_before": load_before,
        "load_average_1m": load_average(),
        **tool_versions,
    }


def tool_versions(cdktf: Path | None, checkov: Path | None) -> dict[str, str | None]:
    return {
        "cdktf_cli": _version_of([str(cdktf), "--version"]) if cdktf else None,
        "checkov": _version_of([str(checkov), "--version"]) if checkov else None,
    }

"""Run one command as a whole process and measure what a user would feel: wall clock and peak memory.

Peak memory is the largest resident set of the whole process group at any sample (every
`SAMPLE_SECONDS`), because the commands measured here are pairs of processes that live together
(Python and the jsii Node runtime, the cdktf CLI and the Python app); the kernel's own `ru_maxrss`
for the reaped child (from `os.wait4`) is the floor when a process lives shorter than one sample.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.02
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Run:
    """One process run: its exit code, wall-clock seconds and peak resident memory of its group."""

    exit_code: int
    seconds: float
    peak_bytes: int
    timed_out: bool = False


def group_rss_bytes(group: int) -> int:
    """Resident memory of every live process in process group `group` (from /proc/<pid>/stat)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:  # the process ended between listdir and open
            continue
        # After "pid (comm)": state ppid pgrp ... rss is field 24 of stat, index 21 here.
        if int(fields[2]) == group:
            total += int(fields[21]) * PAGE_BYTES
    return total


class _GroupSampler(threading.Thread):
    """Samples the group's memory until stopped; kills the group when the deadline passes."""

    def __init__(self, group: int, deadline: float) -> None:
        super().__init__(daemon=True)
        self.group = group
        self.deadline = deadline
        self.peak = 0
        self.timed_out = False
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak = max(self.peak, group_rss_bytes(self.group))
            if time.monotonic() > self.deadline:
                self.timed_out = True
                _kill_group(self.group)
                return
            self._stop_event.wait(SAMPLE_SECONDS)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def _kill_group(group: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group is already gone
        os.killpg(group, signal.SIGKILL)


def run_measured(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    stdout: Path,
    stderr: Path,
    timeout: float,
) -> Run:
    """Run `argv` in its own process group with stdout/stderr to files; measure it until it is reaped."""
    with stdout.open("wb") as out, stderr.open("wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen(list(argv), cwd=cwd, env=dict(env), stdout=out, stderr=err,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        sampler = _GroupSampler(process.pid, time.monotonic() + timeout)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        sampler.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    _kill_group(process.pid)  # helpers left behind by the command (a jsii runtime) must not outlive it
    return Run(
        exit_code=process.returncode,
        seconds=seconds,
        peak_bytes=max(sampler.peak, usage.ru_maxrss * 1024),
        timed_out=sampler.timed_out,
    )

"""Run one command as a whole process and measure it: CPU seconds, wall clock and peak memory.

CPU seconds (user + system of the process and every descendant it waited for, from `os.wait4`)
are what the targets judge: they stay stable when other work shares the machine, where wall
clock does not. Peak memory is the largest resident set of the whole process group at any
sample, because the commands measured here are pairs of processes that live together (Python
and the jsii Node runtime, the cdktf CLI and the Python app); the kernel's own `ru_maxrss` for
the reaped child is the floor when a process lives shorter than one sample. Sampling is cheap:
the group's members are found by a scan of /proc every `RESCAN_EVERY` samples, and in between
only their own stat files are read.
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

SAMPLE_SECONDS = 0.05
RESCAN_EVERY = 10
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Run:
    """One process run: its exit code, wall-clock seconds and peak resident memory of its group."""

    exit_code: int
    seconds: float
    peak_bytes: int
    timed_out: bool = False
    cpu_seconds: float = 0.0


def _stat_fields(pid: str) -> list[bytes] | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()
    except OSError:  # the process ended
        return None


def group_members(group: int) -> list[str]:
    """Pids of the live processes in process group `group` (one scan of /proc)."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(entry)
            # After "pid (comm)": state ppid pgrp ...; pgrp is index 2 here.
            if fields is not None and int(fields[2]) == group:
                members.append(entry)
    return members


def members_rss_bytes(members: list[str], group: int) -> int:
    """Resident memory of those `members` still in `group` (rss is field 24 of stat, index 21 here)."""
    total = 0
    for pid in members:
        fields = _stat_fields(pid)
        if fields is not None and int(fields[2]) == group:
            total += int(fields[21]) * PAGE_BYTES
    return total


def group_rss_bytes(group: int) -> int:
    """Resident memory of every live process in process group `group`."""
    return members_rss_bytes(group_members(group), group)


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
        members: list[str] = []
        samples = 0
        while not self._stop_event.is_set():
            if samples % RESCAN_EVERY == 0:
                members = group_members(self.group)
            samples += 1
            self.peak = max(self.peak, members_rss_bytes(members, self.group))
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
        cpu_seconds=usage.ru_utime + usage.ru_stime,
    )

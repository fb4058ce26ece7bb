"""The collector pause around large builds: re-enabled afterwards, and nothing frozen when the build fails."""

from __future__ import annotations

import gc

import pytest

from lakestack.collector import collector_paused


def test_the_collector_is_paused_inside_and_what_was_built_is_frozen_after() -> None:
    gc.unfreeze()
    with collector_paused():
        assert not gc.isenabled()
        built = [{"n": i} for i in range(100)]
    assert gc.isenabled() and gc.get_freeze_count() > len(built)
    gc.unfreeze()


def test_a_failed_build_freezes_nothing_and_leaves_the_collector_running() -> None:
    gc.unfreeze()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("bad input")
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()

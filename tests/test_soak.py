"""The short soak of `make soak`: 300 changes, every fault knob on, two kill -9s."""

from __future__ import annotations

import pytest

from benchmarks.soak import soak


@pytest.mark.slow
def test_short_soak_loses_and_doubles_nothing() -> None:
    result = soak(changes=300, kills=2, seed=7)
    assert result.doubled == 0, result.table()
    assert result.lost_rows == 0, result.table()
    assert result.open_rows == 0, result.table()
    assert result.mismatched == 0, result.table()
    assert result.requests == 300  # every subscriber got its one request
    assert result.outcomes.get("applied", 0) + result.outcomes.get("rejected", 0) == 300

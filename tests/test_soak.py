"""The short soak of `make soak`: 300 changes, two homes at once, every fault knob on,
a kill -9 round and a SIGTERM round."""

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
    # Every subscriber got its one request, plus one more only after a rejection.
    assert result.requests == 300 + result.retried_after_rejection
    assert result.final_rows == 600  # both homes' reports: every row final
    assert sum(result.outcomes.values()) == 300

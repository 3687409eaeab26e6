"""The short soak of `make soak`: 300 changes, two homes at once, every fault knob on,
a kill -9 round and a SIGTERM round."""

from __future__ import annotations

import pytest

from benchmarks.soak import soak
from benchmarks.soak_mts import soak_mts


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


@pytest.mark.slow
def test_short_mts_soak_never_copies_with_one_home_and_leaves_no_copy_with_two() -> None:
    """The same against the MTS-shaped sandbox (no idempotency key): one home killed and
    stopped makes exactly one send per step and never a copy; two homes at once may make
    copies, and every one is named in a report and gone at the end."""
    result = soak_mts(changes=60, kills=2, seed=5)
    one, two = result.one, result.two
    assert (one.connects, one.disconnects) == (40, 40), result.table()
    assert (one.unexpected_sends, one.copies_made) == (0, 0), result.table()
    for phase in (one, two):
        assert phase.mismatched == 0, result.table()
        assert (phase.copies_lasting, phase.copies_unnamed) == (0, 0), result.table()
        assert phase.open_rows == 0, result.table()

"""The token bucket on a fake clock: exact spacing, slow-down on 429, recovery."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from quotabulk.engine.ratelimit import FLOOR, SLOWDOWN, AdaptiveBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def make(rate: float) -> tuple[AdaptiveBucket, FakeClock]:
    clock = FakeClock()
    return AdaptiveBucket(rate, clock, clock.sleep), clock


def test_calls_are_spaced_at_the_rate_without_burst() -> None:
    bucket, clock = make(10)
    start = clock.now

    async def take_all() -> None:
        for _ in range(101):
            await bucket.take()

    asyncio.run(take_all())
    assert clock.now - start == pytest.approx(10.0)


def test_a_429_lowers_the_rate_once_per_cooldown_and_it_recovers() -> None:
    bucket, clock = make(100)
    bucket.slow_down()
    bucket.slow_down()  # the same moment's burst of 429s counts once
    assert bucket.rate == pytest.approx(100 * SLOWDOWN)
    clock.now += 10
    asyncio.run(bucket.take())
    assert bucket.rate == pytest.approx(100)


def test_the_rate_never_falls_below_the_floor() -> None:
    bucket, clock = make(100)
    for _ in range(50):
        bucket.slow_down()
        clock.now += 2.5
        bucket._last_recovery = clock.now  # no recovery in between
    assert bucket.rate == pytest.approx(100 * FLOOR)


def test_a_positive_rate_is_required() -> None:
    with pytest.raises(ValueError, match="positive"):
        AdaptiveBucket(0)


def test_a_budget_per_minute_holds_however_the_calls_come() -> None:
    """MTS's package «60»: 3 calls a second and 60 a minute. Calls wanted as fast as the
    second's budget allows never put more than 60 in any 60 seconds."""
    clock = FakeClock()
    bucket = AdaptiveBucket(3, clock, clock.sleep, per_minute=60)
    starts = []

    async def take_all() -> None:
        for _ in range(150):
            await bucket.take()
            starts.append(clock.now)

    asyncio.run(take_all())
    assert all(b - a >= 1 / 3 - 1e-9 for a, b in itertools.pairwise(starts))
    for index in range(len(starts) - 60):
        assert starts[index + 60] - starts[index] >= 60 - 1e-9  # never 61 in a minute
    # The 61st call waits for the first to be a minute old, not a moment longer.
    assert starts[60] - starts[0] == pytest.approx(60)
    assert starts[-1] - starts[0] == pytest.approx(120 + (149 - 120) / 3, abs=0.5)


def test_the_rate_limit_option_takes_one_or_both_budgets() -> None:
    from click import BadParameter

    from quotabulk.cli.running import RateLimit

    rate = RateLimit()
    assert rate.convert("10", None, None) == (10.0, None)
    assert rate.convert("3/s,60/min", None, None) == (3.0, 60)
    assert rate.convert("60/min", None, None) == (1.0, 60)
    for wrong in ("3x", "0", "3/s,0/min", "fast"):
        with pytest.raises(BadParameter, match="is not a rate"):
            rate.convert(wrong, None, None)

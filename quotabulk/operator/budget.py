"""`--operator-timeout`: how long quotabulk keeps trying without one good answer.

It counts from the operator's last good answer across the whole run (all calls share
one budget), and every wait — a backoff, a Retry-After, a body that trickles in — is
capped by what is left of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from quotabulk.operator.port import DEFAULT_OPERATOR_TIMEOUT_S


class OperatorBudget:
    def __init__(
        self,
        seconds: float = DEFAULT_OPERATOR_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = seconds
        self._clock = clock
        self._last_good = clock()

    def good(self) -> None:
        """The operator just answered usefully."""
        self._last_good = self._clock()

    def remaining(self) -> float:
        return self.seconds - (self._clock() - self._last_good)

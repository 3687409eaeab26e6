"""How often someone may guess a password in the console, kept in the journal so that
`quotabulk users unlock NAME` (another process) can lift a lockout, and a restart does
not forget a guesser.

Three counters, each over `WINDOW_S`:
- an address: `FAILURES` wrong passwords and that address waits for the window to pass;
- a name from one address: the same, so a guesser at the only checker's name locks out
  only themselves;
- a name from anywhere: after `FAILURES`, each further try waits twice as long as the
  last, up to `MAX_NAME_DELAY_S` — slow for a guesser with many addresses, a minute at
  worst for the real user.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from quotabulk.app.workspace import Workspace
from quotabulk.store.people import People, name_key

FAILURES = 5
WINDOW_S = 15 * 60
MAX_NAME_DELAY_S = 60.0


@dataclass
class SignInThrottle:
    workspace: Workspace
    clock: Callable[[], float] = field(default=time.time)

    def wait_s(self, name: str | None, address: str) -> float:
        """Seconds until `name` may try again from `address` (0: now)."""
        now = self.clock()
        since = now - WINDOW_S
        with self.workspace.journal() as journal:
            people = People(journal)
            waits = [_locked_for(people.failures_since(_address_key(address), since), now)]
            if name:
                pair = people.failures_since(_pair_key(name, address), since)
                waits.append(_locked_for(pair, now))
                waits.append(_delay_for(people.failures_since(name_key(name), since), now))
        return max(waits)

    def failed(self, name: str | None, address: str) -> None:
        keys = [_address_key(address)]
        if name:
            keys += [name_key(name), _pair_key(name, address)]
        now = self.clock()
        with self.workspace.journal() as journal:
            People(journal).fail(tuple(keys), now, forget_before=now - WINDOW_S)

    def succeeded(self, name: str, address: str) -> None:
        """A right password clears the name's counts (not the address's: a guesser who
        knows one password does not get to guess the others for free)."""
        with self.workspace.journal() as journal:
            People(journal).forget_failures((name_key(name), _pair_key(name, address)))


def _address_key(address: str) -> str:
    return f"address:{address}"


def _pair_key(name: str, address: str) -> str:
    return f"{name_key(name)}|{_address_key(address)}"


def _locked_for(failures: list[float], now: float) -> float:
    if len(failures) < FAILURES:
        return 0.0
    return max(0.0, WINDOW_S - (now - failures[-FAILURES]))


def _delay_for(failures: list[float], now: float) -> float:
    if len(failures) < FAILURES:
        return 0.0
    delay = min(MAX_NAME_DELAY_S, 2.0 ** (len(failures) - FAILURES))
    return max(0.0, delay - (now - failures[-1]))

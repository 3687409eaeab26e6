"""Fill the sandbox: random subscribers, or a desired-state file taken as the current state."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from quotabulk.domain.models import OnExceed, Quota, Subscriber
from quotabulk.sandbox.store import SandboxStore

FIRST_MSISDN = 79000000000


@dataclass(frozen=True)
class Seeded:
    account: str
    subscribers: int
    with_quotas: int
    blocked: int

    def describe(self) -> str:
        return (
            f"account {self.account}: {self.subscribers} subscribers, "
            f"{self.with_quotas} with quotas, {self.blocked} blocked"
        )


def random_subscribers(
    count: int, with_quotas: float, blocked: float, seed: int | None
) -> list[Subscriber]:
    """`count` numbers from 79000000000 up; a share with quotas, a share blocked."""
    rng = random.Random(seed)
    found = []
    for i in range(count):
        quota = None
        if rng.random() < with_quotas:
            limit = Decimal(rng.randrange(3, 100) * 100)
            warn = limit * Decimal("0.8") if rng.random() < 0.5 else None
            quota = Quota(limit, warn, rng.choice([OnExceed.BLOCK, OnExceed.PERSONAL]))
        found.append(Subscriber(str(FIRST_MSISDN + i), quota, rng.random() < blocked))
    return found


def seed_account(store: SandboxStore, account: str, subscribers: Iterable[Subscriber]) -> Seeded:
    """Replace the account's state with these subscribers."""
    listed = list(subscribers)
    store.reset_account(account, listed)
    return Seeded(
        account,
        len(listed),
        sum(s.quota is not None for s in listed),
        sum(s.blocked for s in listed),
    )

"""A plan's digest: one streaming pass over its actions, no JSON built. Approvals and
runs are keyed by it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from quotabulk.domain.models import PlanDay, canonical_quota
from quotabulk.domain.plan import PlannedAction

DIGEST_SCHEME = "quotabulk-plan-2"


def plan_digest(
    account: str,
    operator_url: str,
    actions: Iterable[PlannedAction],
    day: PlanDay | None = None,
    schedule: str | None = None,
) -> str:
    """Covers the account, the operator, the day of a plan of periods, and every action's
    subscriber, version, kind, before, after and period: what was approved is what is
    sent. (A plan without periods digests as before they existed.)"""
    digest = hashlib.sha256(f"{DIGEST_SCHEME}\n{account}\n{operator_url}\n".encode())
    if day is not None:
        digest.update(f"day {day.key()}\n".encode())
    if schedule is not None:
        digest.update(f"schedule {schedule}\n".encode())
    for a in actions:
        line = (
            f"{a.msisdn}|{a.version}|{a.kind.value}|"
            f"{canonical_quota(a.before)}|{canonical_quota(a.after)}"
            f"{'|' + a.period if a.period else ''}\n"
        )
        digest.update(line.encode())
    return digest.hexdigest()


def schedule_key(schedule: str | None, account: str, operator_url: str) -> str | None:
    """The schedule of inputs with periods, for one account at one operator: what an
    approval of one day's plan lets later nights run (never another account's)."""
    if schedule is None:
        return None
    text = f"{DIGEST_SCHEME}\nschedule\n{account}\n{operator_url}\n{schedule}\n"
    return hashlib.sha256(text.encode()).hexdigest()


def holding_digest(parts: Iterable[tuple[str, str]]) -> str:
    """The digest of a plan over several accounts: of each account's own plan digest
    (`plan_digest`), in the accounts' order. One approval covers every account of it;
    each account's run, keyed by its own digest, is found in it."""
    text = "".join(f"{account}\t{digest}\n" for account, digest in sorted(parts))
    return hashlib.sha256(f"{DIGEST_SCHEME}\nholding\n{text}".encode()).hexdigest()

"""The identities exactly-once rests on: a change's idempotency key and a run's identity."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from quotabulk.domain.models import Quota, canonical_quota


def change_key(
    account: str, msisdn: str, version: int | None, after: Quota | None, period: str = ""
) -> str:
    """The key of one change: account, subscriber, the version it was planned against,
    the target quota, and the period of the row that asks for it («Действует с/по»: a
    raise and its revert are different changes even at one version). Two processes,
    machines or tabs making the same change send the same key, so the operator makes one
    request of it; once a request for the subscriber becomes final its version rises,
    and a change tried again later gets a new key. (A standing row's key is as it was
    before periods existed.)"""
    text = f"{account}|{msisdn}|{version}|{canonical_quota(after)}"
    if period:
        text += f"|{period}"
    return "qb-" + hashlib.sha256(text.encode()).hexdigest()[:40]


def run_identity(account: str, operator_url: str, plan_key: Sequence[str]) -> str:
    """What a run is: its plan (or its inputs) against one operator and account. A rerun
    resumes only a run of the same identity."""
    digest = hashlib.sha256()
    for part in (account, operator_url, *plan_key):
        digest.update(part.encode())
        digest.update(b"\x00")
    return digest.hexdigest()[:40]

"""A plan's digest: one streaming pass over its actions, no JSON built. Approvals and
runs are keyed by it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from quotabulk.domain.models import canonical_quota
from quotabulk.domain.plan import PlannedAction

DIGEST_SCHEME = "quotabulk-plan-2"


def plan_digest(account: str, operator_url: str, actions: Iterable[PlannedAction]) -> str:
    """Covers the account, the operator and every action's subscriber, version, kind,
    before and after: what was approved is what is sent."""
    digest = hashlib.sha256(f"{DIGEST_SCHEME}\n{account}\n{operator_url}\n".encode())
    for a in actions:
        line = (
            f"{a.msisdn}|{a.version}|{a.kind.value}|"
            f"{canonical_quota(a.before)}|{canonical_quota(a.after)}\n"
        )
        digest.update(line.encode())
    return digest.hexdigest()

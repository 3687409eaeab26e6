"""A plan as JSON: what `plan --format json` prints and `plan --out` saves."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from quotabulk.domain.models import InvalidRow
from quotabulk.domain.plan import Plan, PlannedAction

PLAN_FORMAT_VERSION = 1


def action_json(action: PlannedAction) -> dict[str, Any]:
    return {
        "source": action.source,
        "msisdn": action.msisdn,
        "action": action.kind.value,
        "before": None if action.before is None else action.before.to_json(),
        "after": None if action.after is None else action.after.to_json(),
        "extras": dict(action.extras),
    }


def invalid_json(row: InvalidRow) -> dict[str, Any]:
    return {
        "source": row.source,
        "msisdn": row.msisdn,
        "problems": [{"column": p.column, "message": p.message} for p in row.problems],
        "extras": row.extras,
    }


def plan_fingerprint(actions: Iterable[PlannedAction]) -> str:
    """A digest of the current quota of every subscriber the plan touches."""
    digest = hashlib.sha256()
    for action in sorted(actions, key=lambda a: a.msisdn):
        before = None if action.before is None else action.before.to_json()
        digest.update(json.dumps([action.msisdn, before], sort_keys=True).encode())
    return digest.hexdigest()


def plan_json(
    planned: Plan, account: str | None = None, invalid: Sequence[InvalidRow] = ()
) -> dict[str, Any]:
    """The plan as `plan --format json` prints it and `plan --out` saves it."""
    return {
        "format_version": PLAN_FORMAT_VERSION,
        "account": account,
        "fingerprint": plan_fingerprint(planned.actions),
        "summary": planned.summary(),
        "actions": [action_json(action) for action in planned.actions],
        "invalid": [invalid_json(row) for row in [*invalid, *planned.problems]],
    }

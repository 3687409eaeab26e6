"""A plan as JSON: what `plan --format json` prints and `plan --out` saves."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from quotabulk.domain.digest import plan_digest
from quotabulk.domain.models import InvalidRow, PlanDay
from quotabulk.domain.plan import Plan, PlannedAction

PLAN_FORMAT_VERSION = 2


def action_json(action: PlannedAction) -> dict[str, Any]:
    return {
        "source": action.source,
        "msisdn": action.msisdn,
        "action": action.kind.value,
        "version": action.version,
        "before": None if action.before is None else action.before.to_json(),
        "after": None if action.after is None else action.after.to_json(),
        "extras": action.extras.as_dict(),
        **({"period": action.period} if action.period else {}),
    }


def _day_json(day: PlanDay) -> dict[str, Any]:
    """The plan's day, and the days its rows hold unchanged: when it may run."""
    return {
        "day": day.day.isoformat(),
        "same_since": day.since.isoformat() if day.since else None,
        "same_until": day.until.isoformat() if day.until else None,
    }


def invalid_json(row: InvalidRow) -> dict[str, Any]:
    return {
        "source": row.source,
        "msisdn": row.msisdn,
        "problems": [p.to_json() for p in row.problems],
        "extras": row.extras.as_dict(),
    }


def plan_json(
    planned: Plan, account: str, operator_url: str, invalid: Sequence[InvalidRow] = ()
) -> dict[str, Any]:
    """The plan as `plan --format json` prints it and `plan --out` saves it."""
    return {
        "format_version": PLAN_FORMAT_VERSION,
        "account": account,
        "operator": operator_url,
        **(_day_json(planned.day) if planned.day else {}),
        **({"schedule": planned.schedule} if planned.schedule else {}),
        "digest": plan_digest(
            account, operator_url, planned.actions, planned.day, planned.schedule
        ),
        "summary": planned.summary(),
        "actions": [action_json(action) for action in planned.actions],
        "invalid": [invalid_json(row) for row in [*invalid, *planned.problems]],
    }

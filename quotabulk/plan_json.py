"""A plan as JSON: what `plan --format json` prints and `plan --out` saves."""

from __future__ import annotations

from typing import Any

from quotabulk.plan import Plan, PlannedAction

PLAN_FORMAT_VERSION = 1


def action_json(action: PlannedAction) -> dict[str, Any]:
    return {
        "source": action.source,
        "msisdn": action.msisdn,
        "action": action.kind.value,
        "before": None if action.before is None else action.before.to_json(),
        "after": None if action.after is None else action.after.to_json(),
    }


def plan_json(planned: Plan, account: str | None = None) -> dict[str, Any]:
    return {
        "format_version": PLAN_FORMAT_VERSION,
        "account": account,
        "summary": planned.summary(),
        "actions": [action_json(action) for action in planned.actions],
        "invalid": [
            {"source": p.source, "column": p.column, "message": p.message}
            for row in planned.problems
            for p in row.problems
        ],
    }

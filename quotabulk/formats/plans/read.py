"""A plan saved by `plan --out`, read back by `apply --plan`, refused when it went stale."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quotabulk.domain.errors import InputError, PlanError, RowProblem
from quotabulk.domain.models import ActionKind, InvalidRow, Quota, Subscriber, describe_quota
from quotabulk.domain.plan import Plan, PlannedAction
from quotabulk.formats.plans.write import PLAN_FORMAT_VERSION, plan_fingerprint

MAX_CHANGES_LISTED = 20


@dataclass(frozen=True)
class SavedPlan:
    account: str | None
    plan: Plan
    invalid: tuple[InvalidRow, ...]
    fingerprint: str


def read_plan_file(path: Path) -> SavedPlan:
    name = str(path)
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(name, f"cannot be read: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError):
        raise InputError(name, "is not a plan saved by `quotabulk plan --out`") from None
    if not isinstance(body, dict) or body.get("format_version") != PLAN_FORMAT_VERSION:
        raise InputError(name, f"is not a plan of format_version {PLAN_FORMAT_VERSION}")
    try:
        actions = tuple(_action(item) for item in body["actions"])
        invalid = tuple(_invalid(item) for item in body.get("invalid", []))
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(name, f"is damaged ({type(exc).__name__}: {exc})") from None
    if body.get("fingerprint") != plan_fingerprint(actions):
        raise InputError(name, "was edited after it was saved; make a new one with `plan --out`")
    return SavedPlan(body.get("account"), Plan(actions), invalid, str(body["fingerprint"]))


def refuse_if_stale(saved: SavedPlan, current: Mapping[str, Subscriber]) -> None:
    """Raise `PlanError` listing every subscriber whose quota changed since the plan."""
    changed = []
    for action in saved.plan.actions:
        subscriber = current.get(action.msisdn)
        now = None if subscriber is None else subscriber.quota
        if subscriber is None:
            changed.append(f"{action.msisdn} is no longer on the account")
        elif now != action.before:
            changed.append(
                f"{action.msisdn} was {describe_quota(action.before)}, now {describe_quota(now)}"
            )
    if changed:
        shown = "; ".join(changed[:MAX_CHANGES_LISTED])
        more = (
            f" (and {len(changed) - MAX_CHANGES_LISTED} more)"
            if len(changed) > MAX_CHANGES_LISTED
            else ""
        )
        raise PlanError(
            f"the saved plan is stale, nothing was sent: {len(changed)} subscribers changed since "
            f"it was made: {shown}{more}. Make a new plan."
        )


def _quota(data: Any) -> Quota | None:
    return None if data is None else Quota.from_json(data)


def _action(item: Mapping[str, Any]) -> PlannedAction:
    extras = tuple((str(k), str(v)) for k, v in dict(item.get("extras", {})).items())
    return PlannedAction(
        str(item["msisdn"]),
        ActionKind(item["action"]),
        _quota(item["before"]),
        _quota(item["after"]),
        str(item["source"]),
        extras,
    )


def _invalid(item: Mapping[str, Any]) -> InvalidRow:
    source = str(item["source"])
    problems = tuple(
        RowProblem(source, p.get("column"), str(p["message"])) for p in item["problems"]
    )
    extras = dict(item.get("extras", {}))
    return InvalidRow(
        source,
        str(item.get("msisdn", "")),
        problems,
        tuple(extras),
        tuple(map(str, extras.values())),
    )

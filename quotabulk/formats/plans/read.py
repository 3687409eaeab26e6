"""A plan saved by `plan --out`, read back by `apply --plan`: refused when it was edited,
made by an older quotabulk, made for another operator, or went stale."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from quotabulk.domain import messages as said
from quotabulk.domain.digest import holding_digest, plan_digest
from quotabulk.domain.errors import InputError, PlanError, RowProblem
from quotabulk.domain.messages import Text
from quotabulk.domain.models import (
    ActionKind,
    Extras,
    InvalidRow,
    PlanDay,
    Quota,
    Subscriber,
    quota_text,
)
from quotabulk.domain.plan import Plan, PlannedAction, SavedPlan, SavedPlans
from quotabulk.formats.plans.write import PLAN_FORMAT_VERSION

MAX_CHANGES_LISTED = 20
__all__ = ["SavedPlan", "read_plan_file", "read_plan_parts", "refuse_if_stale"]


def read_plan_file(path: Path, name: str | None = None) -> SavedPlan:
    """A plan of one account (a plan of several is refused: `read_plan_parts` reads it)."""
    name = name or str(path)
    parts = read_plan_parts(path, name).parts
    if len(parts) != 1:
        raise InputError(name, said.PLAN_OF_ACCOUNTS(accounts=", ".join(p.account for p in parts)))
    return parts[0]


def read_plan_parts(path: Path, name: str | None = None) -> SavedPlans:
    """The plan's digest and its accounts' plans (one, or each account of a plan over
    several), each checked against its own digest and the whole against its digest."""
    name = name or str(path)
    body = _body(path, name)
    try:
        if "accounts" not in body:
            part = _part(body, body["actions"], body.get("invalid", []), name)
            return SavedPlans(part.digest, (part,))
        operator = str(body["operator"])
        parts = tuple(
            _part(
                {**entry, "operator": operator},
                [a for a in body["actions"] if a["account"] == entry["account"]],
                [r for r in body.get("invalid", []) if r.get("account") == entry["account"]],
                name,
            )
            for entry in body["accounts"]
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(name, said.PLAN_DAMAGED(detail=f"{type(exc).__name__}: {exc}")) from None
    digest = holding_digest((part.account, part.digest) for part in parts)
    if body.get("digest") != digest or not parts:
        raise InputError(name, said.PLAN_EDITED())
    return SavedPlans(digest, parts)


def _body(path: Path, name: str) -> dict[str, Any]:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(name, said.CANNOT_READ(detail=str(exc.strerror))) from None
    except (ValueError, UnicodeDecodeError):
        raise InputError(name, said.PLAN_UNREADABLE()) from None
    version = body.get("format_version") if isinstance(body, dict) else None
    if isinstance(version, int) and version < PLAN_FORMAT_VERSION:
        raise InputError(name, said.PLAN_OLDER())
    if version != PLAN_FORMAT_VERSION:
        raise InputError(name, said.PLAN_OTHER_FORMAT(version=PLAN_FORMAT_VERSION))
    assert isinstance(body, dict)
    return body


def _part(
    body: Mapping[str, Any], items: Sequence[Any], invalid_items: Sequence[Any], name: str
) -> SavedPlan:
    """One account's plan, checked against its digest."""
    try:
        actions = tuple(_action(item) for item in items)
        invalid = tuple(_invalid(item) for item in invalid_items)
        account, operator = str(body["account"]), str(body["operator"])
        day = _day(body) if body.get("day") else None
        schedule = str(body["schedule"]) if body.get("schedule") else None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(name, said.PLAN_DAMAGED(detail=f"{type(exc).__name__}: {exc}")) from None
    digest = plan_digest(account, operator, actions, day, schedule)
    if body.get("digest") != digest:
        raise InputError(name, said.PLAN_EDITED())
    plan = Plan(actions, day=day, schedule=schedule)
    return SavedPlan(account, operator, plan, invalid, digest)


def refuse_if_stale(saved: SavedPlan, current: Mapping[str, Subscriber]) -> None:
    """Raise `PlanError` listing every subscriber whose quota changed since the plan."""
    changed: list[Text] = []
    for action in saved.plan.actions:
        subscriber = current.get(action.msisdn)
        if subscriber is None:
            changed.append(said.STALE_GONE(msisdn=action.msisdn))
        elif subscriber.quota != action.before:
            before, after = quota_text(action.before), quota_text(subscriber.quota)
            changed.append(said.STALE_CHANGED(msisdn=action.msisdn, before=before, after=after))
    if changed:
        more = len(changed) - MAX_CHANGES_LISTED
        tail: Text | str = said.AND_MORE(count=more) if more > 0 else ""
        shown = tuple(changed[:MAX_CHANGES_LISTED])
        raise PlanError(said.STALE_PLAN(n=len(changed), changes=shown, more=tail))


def _day(body: Mapping[str, Any]) -> PlanDay:
    def on(key: str) -> date | None:
        return date.fromisoformat(str(body[key])) if body.get(key) else None

    return PlanDay(date.fromisoformat(str(body["day"])), on("same_since"), on("same_until"))


def _quota(data: Any) -> Quota | None:
    return None if data is None else Quota.from_json(data)


def _action(item: Mapping[str, Any]) -> PlannedAction:
    return PlannedAction(
        str(item["msisdn"]),
        ActionKind(item["action"]),
        _quota(item["before"]),
        _quota(item["after"]),
        str(item["source"]),
        Extras.of(dict(item.get("extras") or {})),
        int(item["version"]),
        str(item.get("period") or ""),
    )


def _said(problem: Mapping[str, Any]) -> Text | str:
    """The catalogue's code and parts when the plan kept them (older plans: the words)."""
    return Text.from_json(problem) if "code" in problem else str(problem["message"])


def _invalid(item: Mapping[str, Any]) -> InvalidRow:
    source = str(item["source"])
    problems = tuple(RowProblem(source, p.get("column"), _said(p)) for p in item["problems"])
    return InvalidRow(
        source, str(item.get("msisdn", "")), problems, Extras.of(dict(item.get("extras") or {}))
    )

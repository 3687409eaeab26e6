"""The plan of inputs over several accounts: each account planned against its own state,
one digest over all of them (what a checker approves once), one JSON."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quotabulk.app.holdings import Part, Refusal, needs_default, split
from quotabulk.app.planning import PlanView, current_state, plan_body
from quotabulk.domain.digest import holding_digest, plan_digest, schedule_key
from quotabulk.domain.errors import (
    AccessDenied,
    ApiError,
    ConfigError,
    LockedError,
    ValidationFailed,
)
from quotabulk.domain.models import PLANNED_KINDS, InvalidRow, Loaded
from quotabulk.domain.plan import Plan, PlanOptions, SavedPlans, plan_loaded_rows
from quotabulk.domain.quota_rules import foreign_rules
from quotabulk.formats.plans.write import PLAN_FORMAT_VERSION, action_json, invalid_json, plan_json
from quotabulk.operator.connect import ConnectOptions, OnRetry

if TYPE_CHECKING:
    from quotabulk.app.people import Credentials
    from quotabulk.app.workspace import Workspace

# What keeps one account from being planned or run while the others go on: the
# operator's word about this account (no access, down) or another run's lock on it.
ACCOUNT_REFUSALS = (ConfigError, ApiError, AccessDenied, LockedError)


def view_digest(view: PlanView) -> str:
    """One account's plan digest, as its run computes it."""
    plan = view.plan
    return plan_digest(view.account, view.operator_url, plan.actions, plan.day, plan.schedule)


@dataclass(frozen=True)
class HoldingPlan:
    """Every account's plan, in the accounts' order; the accounts that could not be
    planned, with why."""

    views: tuple[PlanView, ...]
    refused: tuple[tuple[Part, Refusal], ...]
    loaded: Loaded

    @property
    def several(self) -> bool:
        return len(self.views) + len(self.refused) > 1

    @property
    def digest(self) -> str:
        """One account's plan digest, or with several the digest over theirs."""
        if len(self.views) == 1 and not self.refused:
            return view_digest(self.views[0])
        return holding_digest((view.account, view_digest(view)) for view in self.views)

    @property
    def operator_url(self) -> str:
        return self.views[0].operator_url if self.views else ""

    def summary(self) -> dict[str, int]:
        total: Counter[str] = Counter()
        for view in self.views:
            total.update(view.plan.summary())
        return {kind.value: total.get(kind.value, 0) for kind in PLANNED_KINDS}

    def problems(self) -> list[InvalidRow]:
        """Rows found invalid by planning (a number not on its account), every account's."""
        return [row for view in self.views for row in view.plan.problems]

    def changes(self) -> int:
        return sum(len(view.plan.changes) for view in self.views)


async def only_account(workspace: Workspace) -> str:
    """The one account the credentials may use (a `ConfigError` when there are several)."""
    async with workspace.operator(None, ConnectOptions()) as operator:
        return operator.account


def parts_of(workspace: Workspace, loaded: Loaded) -> list[Part]:
    """The inputs split by account (`QUOTABULK_ACCOUNT` restricting them to one), the
    account of rows that name none asked of the operator when only it can tell."""
    settings = workspace.settings
    default = settings.resolve_account()
    if needs_default(loaded, default):
        default = asyncio.run(only_account(workspace))
    return split(loaded, default, settings.account)


def plan_parts(
    workspace: Workspace,
    loaded: Loaded,
    parts: Sequence[Part],
    options: PlanOptions,
    *,
    skip_invalid: bool,
    on_retry: OnRetry | None = None,
) -> HoldingPlan:
    """Plan every account against its own state. An account the operator refuses is set
    aside with the reason; invalid rows found by planning (a number not on its account)
    stop the whole command in strict mode, before any account runs."""
    views: list[PlanView] = []
    refused: list[tuple[Part, Refusal]] = []
    for part in parts:
        try:
            account, url, current, rules = asyncio.run(
                current_state(workspace, part.account, on_retry)
            )
        except ACCOUNT_REFUSALS as exc:
            refused.append((part, Refusal(part.account or "", exc)))
            continue
        loaded.notices.extend(foreign_rules(current, part.loaded))
        planned = plan_loaded_rows(part.loaded, current, part.options(options), rules)
        views.append(PlanView(account, url, planned, part.loaded))
    problems = [row for view in views for row in view.plan.problems]
    if problems and not skip_invalid:
        raise ValidationFailed.of_rows(problems)
    return HoldingPlan(tuple(views), tuple(refused), loaded)


def holding_json(holding: HoldingPlan) -> dict[str, Any]:
    """The plan of several accounts as `plan --format json` prints it and `plan --out`
    saves it: the totals and every action (each with its `account`) as in the plan of
    one account, and per account its own digest and summary."""
    if not holding.several:
        return plan_body(holding.views[0])
    accounts: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    invalid: list[dict[str, Any]] = []
    for view in holding.views:
        body = plan_json(view.plan, view.account, view.operator_url, view.loaded.invalid)
        accounts.append({k: v for k, v in body.items() if k not in ("actions", "invalid")})
        del accounts[-1]["format_version"]
        actions += [{"account": view.account, **action_json(a)} for a in view.plan.actions]
        invalid += [{"account": view.account, **row} for row in body["invalid"]]
    for part, refusal in holding.refused:
        invalid += [{"account": refusal.account, **invalid_json(r)} for r in part.loaded.invalid]
    return {
        "format_version": PLAN_FORMAT_VERSION,
        "operator": holding.operator_url,
        "accounts": accounts,
        "refused": [
            {"account": refusal.account, "error": refusal.error.message}
            for _, refusal in holding.refused
        ],
        "digest": holding.digest,
        "summary": holding.summary(),
        "actions": actions,
        "invalid": invalid,
    }


def submission_detail(
    files: Sequence[Path],
    names: Sequence[str],
    parts: Sequence[tuple[str, str, Plan, str]],
    summary: dict[str, int],
) -> dict[str, Any]:
    """What the audit keeps about a submitted plan beside its digest, for the CLI and the
    console alike; `parts`: each account's (account, its own plan digest, its plan, the
    operator's URL). One account: its schedule (periods). Several: each account's digest
    and schedule, so that each account's run is found in the approved whole."""
    from quotabulk.app import people

    account, _, plan, url = parts[0]
    schedule = schedule_key(plan.schedule, account, url) if len(parts) == 1 else None
    accounts = [part[0] for part in parts]
    detail = people.submission_detail(files, names, ", ".join(accounts), url, summary, schedule)
    if len(parts) > 1:
        keys = [k for a, _, p, u in parts if (k := schedule_key(p.schedule, a, u)) is not None]
        detail |= {"accounts": accounts, "parts": [digest for _, digest, *_ in parts]}
        detail |= {"schedules": keys} if keys else {}
    return detail


def saved_submission_detail(
    saved: SavedPlans, files: Sequence[Path], names: Sequence[str]
) -> dict[str, Any]:
    """`submission_detail` of a saved plan (the console submits the plan it saved)."""
    parts = [(p.account, p.digest, p.plan, p.operator_url) for p in saved.parts]
    return submission_detail(files, names, parts, saved.plan.summary())


def save_holding(
    workspace: Workspace,
    holding: HoldingPlan,
    out: Path | None,
    maker: Credentials | None,
    files: Sequence[Path],
) -> tuple[dict[str, Any], str | None]:
    """`plan --out` / `plan --as`, of one account or several: the JSON, and the maker's
    name when submitted for a checker (who approves every account's plan at once)."""
    from quotabulk.app import people

    body = holding_json(holding)
    name = None
    if maker is not None:
        parts = [(v.account, view_digest(v), v.plan, v.operator_url) for v in holding.views]
        detail = submission_detail(files, [str(p) for p in files], parts, body["summary"])
        name = people.submit_plan(workspace, body["digest"], maker, detail)
    if out is not None:
        out.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return body, name

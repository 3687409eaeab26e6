"""Diff the desired state against the operator's current state. Pure: no I/O.

`plan(desired, current, options)` answers, for every input row, whether the subscriber
needs an `add`, an `edit`, a `delete`, or nothing (`unchanged`); with `prune`, it also
deletes the quotas of subscribers no row mentions, within the `max_deletes` guard.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from quotabulk.domain import messages as said
from quotabulk.domain.errors import PlanError, RowProblem
from quotabulk.domain.messages import Text
from quotabulk.domain.models import (
    NO_EXTRAS,
    PLANNED_KINDS,
    ActionKind,
    DesiredRow,
    Extras,
    InvalidRow,
    Loaded,
    PlanDay,
    Quota,
    RowAction,
    Subscriber,
)
from quotabulk.domain.quota_rules import ANY_QUOTA, QuotaRules

PRUNE_SOURCE = "--prune"
DEFAULT_MAX_DELETES = 10


@dataclass(frozen=True)
class PlanOptions:
    prune: bool = False
    max_deletes: int = DEFAULT_MAX_DELETES


class PlannedAction(NamedTuple):
    """What happens to one subscriber; the input row that asked for it (`--prune` for
    deletions no row asked for) and that row's extra columns, for the report. `version`
    is the subscriber's version the action was planned against.

    A NamedTuple, like `DesiredRow`: a plan makes one per row, and it builds 3× faster
    than a frozen dataclass (0.7 µs against 2.2 µs here)."""

    msisdn: str
    kind: ActionKind
    before: Quota | None
    after: Quota | None
    source: str = PRUNE_SOURCE
    extras: Extras = NO_EXTRAS
    version: int = 0
    # The row's period («Действует с/по») as `2026-12-01..2026-12-15`; "" for a standing
    # row. Part of the change's identity: a raise and its revert are different changes.
    period: str = ""


@dataclass(frozen=True)
class Plan:
    """Every planned action in input order (prunes last), and the rows that cannot be
    planned against this account (not on it, or contradicting what it holds)."""

    actions: tuple[PlannedAction, ...]
    problems: tuple[InvalidRow, ...] = ()
    # The day it was planned for, when the inputs have periods, and the days around it
    # with the same rows holding: a saved plan runs on those days only.
    day: PlanDay | None = None
    # With periods: the digest of the schedule the plan is one day of (what an approval
    # of it lets later nights send without another, while the files stay the same).
    schedule: str | None = None

    @property
    def changes(self) -> tuple[PlannedAction, ...]:
        return tuple(a for a in self.actions if a.kind is not ActionKind.UNCHANGED)

    def summary(self) -> dict[str, int]:
        counts = Counter(action.kind for action in self.actions)
        return {kind.value: counts.get(kind, 0) for kind in PLANNED_KINDS}


def plan(
    desired: Sequence[DesiredRow],
    current: Mapping[str, Subscriber],
    options: PlanOptions | None = None,
    *,
    mentioned: Collection[str] = (),
    rules: QuotaRules = ANY_QUOTA,
    day: PlanDay | None = None,
    schedule: str | None = None,
) -> Plan:
    """Plan `desired` against `current`. Raises `PlanError` when pruning would delete more
    than `options.max_deletes` quotas. `mentioned`: numbers of input rows that ask for
    nothing (invalid, hidden, another account's): `--prune` leaves them alone too.
    `rules`: what the operator accepts; a quota it would refuse is a problem row."""
    options = options or PlanOptions()
    actions: list[PlannedAction] = []
    problems: list[InvalidRow] = []
    for row in desired:
        subscriber = current.get(row.msisdn)
        if subscriber is None:
            problems.append(_problem(row, said.NOT_A_SUBSCRIBER(msisdn=row.msisdn)))
            continue
        if subscriber.copies:  # which copy is the quota? a person decides
            copies = said.RULE_COPIES(msisdn=row.msisdn, n=len(subscriber.copies) + 1)
            problems.append(_problem(row, copies))
            continue
        action = _plan_row(row, subscriber)
        refused = (
            None if action.kind is ActionKind.UNCHANGED else rules.refusal(row.msisdn, action.after)
        )
        if refused is not None:
            problems.append(_problem(row, refused))
            continue
        # Rows are checked on load; this catches a threshold kept from the account that
        # the row's new, lower limit no longer admits.
        after = action.after
        if after is not None and after.warn_at is not None and after.warn_at > after.limit:
            kept = said.KEEPS_THRESHOLD(msisdn=row.msisdn, warn=after.warn_at, limit=after.limit)
            problems.append(_problem(row, kept))
            continue
        actions.append(action)
    if options.prune:
        actions.extend(_prunes(desired, current, options.max_deletes, mentioned))
    return Plan(tuple(actions), tuple(problems), day, schedule)


def plan_loaded_rows(
    loaded: Loaded,
    current: Mapping[str, Subscriber],
    options: PlanOptions | None = None,
    rules: QuotaRules = ANY_QUOTA,
) -> Plan:
    """Plan the rows the inputs hold for their day, as every use case does: what the
    others' rows ask for counts as mentioned, and a plan of periods carries its day and
    its schedule."""
    return plan(
        loaded.rows,
        current,
        options,
        mentioned=loaded.mentioned(),
        rules=rules,
        day=loaded.planned_day,
        schedule=loaded.schedule_digest,
    )


def _plan_row(row: DesiredRow, subscriber: Subscriber) -> PlannedAction:
    before = subscriber.quota
    if before is not None and row.action is RowAction.SET:
        # Most rows of a nightly sheet ask for what is already there: say so without
        # building the desired quota (equal to `desired_quota(before)` by construction).
        warn_at = row.warn_at if row.manages_warn_at else before.warn_at
        on_exceed = row.on_exceed or before.on_exceed
        if (
            row.limit == before.limit
            and warn_at == before.warn_at
            and on_exceed is before.on_exceed
        ):
            return PlannedAction(
                row.msisdn,
                ActionKind.UNCHANGED,
                before,
                before,
                row.source,
                row.extras,
                subscriber.version,
            )
    after = row.desired_quota(before)
    if after == before:
        kind = ActionKind.UNCHANGED
    elif after is None:
        kind = ActionKind.DELETE
    elif before is None:
        kind = ActionKind.ADD
    else:
        kind = ActionKind.EDIT
    period = period_key(row.valid_from, row.valid_until) if row.dated else ""
    return PlannedAction(
        row.msisdn, kind, before, after, row.source, row.extras, subscriber.version, period
    )


def period_key(start: date | None, end: date | None) -> str:
    return f"{start.isoformat() if start else ''}..{end.isoformat() if end else ''}"


def _prunes(
    desired: Sequence[DesiredRow],
    current: Mapping[str, Subscriber],
    max_deletes: int,
    also: Collection[str] = (),
) -> list[PlannedAction]:
    mentioned = {row.msisdn for row in desired} | set(also)
    prunes = [
        PlannedAction(msisdn, ActionKind.DELETE, subscriber.quota, None, version=subscriber.version)
        for msisdn, subscriber in sorted(current.items())
        if msisdn not in mentioned and subscriber.quota is not None and not subscriber.copies
    ]
    if len(prunes) > max_deletes:
        raise PlanError(said.TOO_MANY_PRUNES(count=len(prunes), most=max_deletes))
    return prunes


def _problem(row: DesiredRow, message: Text) -> InvalidRow:
    problem = RowProblem(row.source, None, message)
    return InvalidRow(row.source, row.msisdn, (problem,), row.extras)


@dataclass(frozen=True)
class SavedPlan:
    """A plan as `plan --out` saved it: what it was made for, and its digest."""

    account: str
    operator_url: str
    plan: Plan
    invalid: tuple[InvalidRow, ...]
    digest: str


@dataclass(frozen=True)
class SavedPlans:
    """A saved plan of one account or several (a holding): the digest a checker approves
    and each account's own plan. Shown as one: its accounts, every action, every row."""

    digest: str
    parts: tuple[SavedPlan, ...]

    @property
    def account(self) -> str:
        return ", ".join(part.account for part in self.parts)

    @property
    def operator_url(self) -> str:
        return self.parts[0].operator_url

    @property
    def plan(self) -> Plan:
        """Every account's actions as one plan (the first account's day and schedule)."""
        first = self.parts[0].plan
        if len(self.parts) == 1:
            return first
        actions = tuple(a for part in self.parts for a in part.plan.actions)
        return Plan(actions, day=first.day, schedule=first.schedule)

    @property
    def invalid(self) -> tuple[InvalidRow, ...]:
        return tuple(row for part in self.parts for row in part.invalid)

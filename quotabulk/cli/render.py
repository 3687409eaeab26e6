"""Text rendering shared by the commands that show plans and problems."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import click

from quotabulk.cli.speech import _, error_text, lang, n_, problem_line
from quotabulk.domain.errors import RowProblem
from quotabulk.domain.language import Language
from quotabulk.domain.models import (
    ActionKind,
    DesiredRow,
    InvalidRow,
    Quota,
    RowAction,
    describe_quota,
)
from quotabulk.domain.periods import Scheduled, day_text
from quotabulk.domain.plan import Plan, PlannedAction

if TYPE_CHECKING:
    from quotabulk.app.holding_plans import HoldingPlan

SIGNS = {ActionKind.ADD: "+", ActionKind.EDIT: "~", ActionKind.DELETE: "-"}


def plan_lines(planned: Plan) -> list[str]:
    """`+`/`~`/`-` lines for the changes, then the one summary line."""
    return [*(_action_line(action) for action in planned.changes), summary_line(planned)]


def summary_line(planned: Plan) -> str:
    """`Plan: 2 to add, 3 to edit, 1 to delete, 14 unchanged.` in the user's language."""
    return _(
        "Plan: {add} to add, {edit} to edit, {delete} to delete, {unchanged} unchanged."
    ).format(**planned.summary())


def holding_lines(holding: HoldingPlan) -> list[str]:
    """Several accounts: a section per account — its changes and its summary line — the
    accounts that could not be planned with why, then the total as the one `Plan:` line."""
    lines: list[str] = []
    for view in holding.views:
        lines += _account_section(view.account, view.plan)
    for _part, refusal in holding.refused:
        refused = _("Account {account}: not planned: {error}")
        lines.append(refused.format(account=refusal.account, error=error_text(refusal.error)))
    return [*lines, _total_line(holding.summary(), len(holding.views) + len(holding.refused))]


def saved_holding_lines(plans: Sequence[tuple[str, Plan]]) -> list[str]:
    """A saved plan of several accounts, shown as `holding_lines` shows a fresh one."""
    lines: list[str] = []
    total = dict.fromkeys(("add", "edit", "delete", "unchanged"), 0)
    for account, plan in plans:
        lines += _account_section(account, plan)
        for key, count in plan.summary().items():
            total[key] += count
    return [*lines, _total_line(total, len(plans))]


def _account_section(account: str, planned: Plan) -> list[str]:
    head = _("Account {account}:").format(account=account)
    summary = _("{add} to add, {edit} to edit, {delete} to delete, {unchanged} unchanged.")
    changes = [f"  {_action_line(action)}" for action in planned.changes]
    return [head, *changes, f"  {account}: {summary.format(**planned.summary())}"]


def _total_line(summary: dict[str, int], accounts: int) -> str:
    line = _("Plan: {add} to add, {edit} to edit, {delete} to delete, {unchanged} unchanged.")
    of = n_("({n} account)", "({n} accounts)", accounts).format(n=accounts)
    return f"{line.format(**summary)} {of}"


def schedule_lines(schedule: Sequence[Scheduled]) -> list[str]:
    """`⏲ 79123456789  1000 ₽ → 5000 ₽ from 01.12.2026 to 15.12.2026, then 1000 ₽`, one per
    change a period brings on a later day, then how many there are."""
    if not schedule:
        return []
    lines = []
    for change in schedule:
        what = f"{_row_words(change.before)} → {_row_words(change.row)}"
        if change.until is not None and change.then is not None:
            when = _("from {start} to {end}, then {then}").format(
                start=day_text(change.day), end=day_text(change.until), then=_row_words(change.then)
            )
        else:
            when = _("from {start}").format(start=day_text(change.day))
        lines.append(f"⏲ {change.msisdn}  {what} {when}  [{change.row.source}]")
    # A period to come is two changes: its start, and its end («затем …»).
    changes = sum(2 if change.then is not None else 1 for change in schedule)
    count = n_(
        "Scheduled: {n} change on a later day.", "Scheduled: {n} changes on later days.", changes
    )
    lines.append(count.format(n=changes))
    return lines


def _row_words(row: DesiredRow) -> str:
    if row.action is RowAction.DELETE:
        return _("no quota")
    return quota_words(row.desired_quota(None))


def quota_words(quota: Quota | None) -> str:
    """`1500 ₽ (warn at 1200, block)`; in Russian `1 500,00 ₽ (порог 1 200,00 ₽, блокировка)`."""
    if lang() is Language.EN:
        return describe_quota(quota)
    from quotabulk.app.words import describe  # validate never shows a quota

    return describe(quota, lang())


def _action_line(action: PlannedAction) -> str:
    sign = SIGNS[action.kind]
    if action.kind is ActionKind.ADD:
        what = quota_words(action.after)
    elif action.kind is ActionKind.DELETE:
        what = _("{quota} removed").format(quota=quota_words(action.before))
    else:
        what = f"{quota_words(action.before)} → {quota_words(action.after)}"
    return f"{sign} {action.msisdn}  {what}  [{action.source}]"


# A terminal shows this many problems and a count of the rest: a sheet of five million
# bad rows made 534 MB of messages. `--format json` and the reports carry every one.
MAX_PROBLEMS_SHOWN = 1000


def echo_problems(problems: Iterable[RowProblem], *, err: bool = True) -> None:
    """The first `MAX_PROBLEMS_SHOWN` problems, one line each, in one write, then how
    many more there are."""
    shown: list[str] = []
    more = 0
    for problem in problems:
        if len(shown) < MAX_PROBLEMS_SHOWN:
            shown.append(problem_line(problem))
        else:
            more += 1
    if more:
        shown.append(
            n_(
                "… and {n} more problem (`--format json` lists every one)",
                "… and {n} more problems (`--format json` lists every one)",
                more,
            )
        )
    if shown:
        click.echo("\n".join(shown), err=err)


def echo_invalid(rows: Iterable[InvalidRow], *, skipped: bool) -> None:
    invalid = list(rows)
    echo_problems(p for row in invalid for p in row.problems)
    if invalid and skipped:
        skipped_line = n_(
            "{n} invalid row is skipped (--skip-invalid).",
            "{n} invalid rows are skipped (--skip-invalid).",
            len(invalid),
        )
        click.echo(skipped_line, err=True)

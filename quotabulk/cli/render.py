"""Text rendering shared by the commands that show plans and problems."""

from __future__ import annotations

from collections.abc import Iterable

import click

from quotabulk.cli.speech import _, lang, n_, problem_line
from quotabulk.domain.errors import RowProblem
from quotabulk.domain.language import Language
from quotabulk.domain.models import ActionKind, InvalidRow, Quota, describe_quota
from quotabulk.domain.plan import Plan, PlannedAction

SIGNS = {ActionKind.ADD: "+", ActionKind.EDIT: "~", ActionKind.DELETE: "-"}


def plan_lines(planned: Plan) -> list[str]:
    """`+`/`~`/`-` lines for the changes, then the one summary line."""
    return [*(_action_line(action) for action in planned.changes), summary_line(planned)]


def summary_line(planned: Plan) -> str:
    """`Plan: 2 to add, 3 to edit, 1 to delete, 14 unchanged.` in the user's language."""
    return _(
        "Plan: {add} to add, {edit} to edit, {delete} to delete, {unchanged} unchanged."
    ).format(**planned.summary())


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

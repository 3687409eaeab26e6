"""Text rendering shared by the commands that show plans and problems."""

from __future__ import annotations

from collections.abc import Iterable

import click

from quotabulk.domain.errors import RowProblem
from quotabulk.domain.models import ActionKind, InvalidRow, describe_quota
from quotabulk.domain.plan import Plan, PlannedAction

SIGNS = {ActionKind.ADD: "+", ActionKind.EDIT: "~", ActionKind.DELETE: "-"}


def plan_lines(planned: Plan) -> list[str]:
    """`+`/`~`/`-` lines for the changes, then the one summary line."""
    return [*(_action_line(action) for action in planned.changes), planned.summary_line()]


def _action_line(action: PlannedAction) -> str:
    sign = SIGNS[action.kind]
    if action.kind is ActionKind.ADD:
        what = describe_quota(action.after)
    elif action.kind is ActionKind.DELETE:
        what = f"{describe_quota(action.before)} removed"
    else:
        what = f"{describe_quota(action.before)} → {describe_quota(action.after)}"
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
            shown.append(str(problem))
        else:
            more += 1
    if more:
        shown.append(f"… and {more} more problems (`--format json` lists every one)")
    if shown:
        click.echo("\n".join(shown), err=err)


def echo_invalid(rows: Iterable[InvalidRow], *, skipped: bool) -> None:
    invalid = list(rows)
    echo_problems(p for row in invalid for p in row.problems)
    if invalid and skipped:
        noun = "row is" if len(invalid) == 1 else "rows are"
        click.echo(f"{len(invalid)} invalid {noun} skipped (--skip-invalid).", err=True)

"""Text rendering shared by the commands that show plans and problems."""

from __future__ import annotations

from collections.abc import Iterable

import click

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


def echo_invalid(rows: Iterable[InvalidRow], *, skipped: bool) -> None:
    invalid = list(rows)
    for row in invalid:
        for problem in row.problems:
            click.echo(str(problem), err=True)
    if invalid and skipped:
        noun = "row is" if len(invalid) == 1 else "rows are"
        click.echo(f"{len(invalid)} invalid {noun} skipped (--skip-invalid).", err=True)

"""`quotabulk plan FILE...`: fetch the current state and show the diff."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from quotabulk.app.holding_plans import (
    HoldingPlan,
    holding_json,
    parts_of,
    plan_parts,
    save_holding,
)
from quotabulk.app.holdings import common_exit_code, split
from quotabulk.app.planning import Prefetch, plan_loaded
from quotabulk.app.workspace import Workspace
from quotabulk.cli.credentials import credentials
from quotabulk.cli.options import echo_notices, input_files, load_checked, output_format
from quotabulk.cli.render import echo_invalid, holding_lines, plan_lines, schedule_lines
from quotabulk.cli.running import echo_target, operator_timeout_option, workspace
from quotabulk.cli.speech import _, lang_option
from quotabulk.domain import messages as said
from quotabulk.domain.errors import EXIT_OK, EXIT_PENDING_CHANGES, UsageError
from quotabulk.domain.models import Loaded
from quotabulk.domain.periods import day_text
from quotabulk.domain.plan import DEFAULT_MAX_DELETES, Plan, PlanOptions


@click.command("plan")
@input_files
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="save the plan as JSON"
)
@click.option("--prune", is_flag=True, help="also delete quotas of subscribers no input mentions")
@click.option(
    "--max-deletes",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_DELETES,
    show_default=True,
    help="refuse --prune when it would delete more quotas than this",
)
@click.option(
    "--detailed-exitcode", is_flag=True, help="exit 2 when changes are pending, 0 when none"
)
@click.option(
    "--current",
    "current_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="plan offline against a state file instead of the operator",
)
@click.option(
    "--as",
    "as_user",
    metavar="MAKER",
    help="record who prepared the saved plan, for a checker to approve (needs --out)",
)
@click.option(
    "--at",
    "at_day",
    type=click.DateTime(formats=["%Y-%m-%d", "%d.%m.%Y"]),
    help="the plan for another day (periods «Действует с/по»): 2026-12-10 or 10.12.2026",
)
@operator_timeout_option
@output_format
@lang_option
def plan_command(
    files: tuple[Path, ...],
    columns_file: Path | None,
    hidden: str | None,
    sheets: tuple[str, ...],
    skip_invalid: bool,
    out: Path | None,
    prune: bool,
    max_deletes: int,
    detailed_exitcode: bool,
    current_file: Path | None,
    as_user: str | None,
    at_day: datetime | None,
    operator_timeout: str | None,
    output_format: str,
    lang: str | None,  # taken by its callback: the command speaks it
) -> int:
    """Show what apply would change: + add, ~ edit, - delete, and a summary line."""
    space = workspace(operator_timeout)  # configuration first: no file is read for nothing
    if as_user is not None and out is None:
        raise UsageError(said.AS_NEEDS_OUT())
    day = None if at_day is None else at_day.date()
    prefetch = Prefetch(space) if current_file is None else None  # while the files load
    try:
        loaded = load_checked(files, columns_file, sheets, skip_invalid, hidden, day)
    except BaseException:
        if prefetch is not None:
            prefetch.cancel()
        raise
    if current_file is None:
        parts = parts_of(space, loaded)
    else:  # offline: the state file is one account's
        parts = split(loaded, space.settings.resolve_account(), space.settings.account)
    echo_notices(loaded)
    if current_file is None:
        echo_target(space)
    options = PlanOptions(prune=prune, max_deletes=max_deletes)
    if len(parts) > 1:
        if prefetch is not None:
            prefetch.cancel()
        if current_file is not None:
            raise UsageError(said.CURRENT_ONE_ACCOUNT())
        holding = plan_parts(space, loaded, parts, options, skip_invalid=skip_invalid)
        return _holding(space, holding, files, out, as_user, output_format, detailed_exitcode)
    view = plan_loaded(
        space,
        parts[0].loaded,
        parts[0].options(options),
        skip_invalid=skip_invalid,
        current_file=current_file,
        prefetched=prefetch,
        account=parts[0].account,
    )
    planned = view.plan
    echo_invalid([*loaded.invalid, *planned.problems], skipped=True)
    if out is None and as_user is None and output_format != "json":
        # Shown, not saved: no JSON and no digest to make (a third of the time at 100k).
        _echo_plan(planned, loaded)
        return EXIT_PENDING_CHANGES if detailed_exitcode and planned.changes else EXIT_OK
    maker = None if as_user is None else credentials(as_user)
    body, submitted = save_holding(space, HoldingPlan((view,), (), loaded), out, maker, files)
    if submitted is not None:
        click.echo(f"Submitted plan {body['digest'][:12]} as {submitted}, for a checker.", err=True)
    if output_format == "json":
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        _echo_plan(planned, loaded)
    if detailed_exitcode and planned.changes:
        return EXIT_PENDING_CHANGES
    return EXIT_OK


def _echo_plan(planned: Plan, loaded: Loaded) -> None:
    """One write: click.echo costs ~15 µs a call, 0.15 s for the 10 000 lines of a big plan.
    With periods, the day planned for and what is scheduled after it follow."""
    lines = plan_lines(planned)
    if loaded.schedule or any(row.dated for row in loaded.rows):
        assert loaded.day is not None
        lines.append(_("Planned for {day}.").format(day=day_text(loaded.day)))
    click.echo("\n".join([*lines, *schedule_lines(loaded.schedule)]))


def _holding(
    space: Workspace,
    holding: HoldingPlan,
    files: Sequence[Path],
    out: Path | None,
    as_user: str | None,
    output_format: str,
    detailed_exitcode: bool,
) -> int:
    """The plan of several accounts: a section per account and the total (or its JSON);
    saved and submitted as one plan. Exit: the accounts' common code, else 3."""
    echo_invalid([*holding.loaded.invalid, *holding.problems()], skipped=True)
    body: dict[str, Any] | None = None
    if out is not None or as_user is not None:
        maker = None if as_user is None else credentials(as_user)
        body, submitted = save_holding(space, holding, out, maker, files)
        if submitted is not None:
            shown = f"Submitted plan {body['digest'][:12]} as {submitted}, for a checker."
            click.echo(shown, err=True)
    if output_format == "json":
        click.echo(json.dumps(body or holding_json(holding), ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(holding_lines(holding)))
    # Changes pending in any account is "changes pending"; an account not planned makes
    # the answer partial (3) unless every account was refused alike.
    pending = detailed_exitcode and holding.changes() > 0
    codes = [EXIT_PENDING_CHANGES if pending else EXIT_OK] if holding.views else []
    codes += [refusal.exit_code for _, refusal in holding.refused]
    return common_exit_code(codes)

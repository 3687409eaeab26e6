"""`quotabulk apply FILE...` / `apply --plan PLAN.json`: plan, confirm, execute, verify."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path

import click

from quotabulk.cli.options import echo_notices, input_files, load_checked, output_format
from quotabulk.cli.progress import BarProgress, progress_for_stderr
from quotabulk.cli.render import plan_lines
from quotabulk.cli.run_output import echo_run
from quotabulk.cli.running import (
    execute_options,
    execution_options,
    files_spec,
    plan_file_spec,
    report_options,
    save_report,
    start_logging,
)
from quotabulk.config import load_settings
from quotabulk.domain.errors import EXIT_OK, UsageError
from quotabulk.domain.outcomes import RunResult
from quotabulk.domain.plan import PlanOptions
from quotabulk.engine.execute import ExecuteOptions
from quotabulk.engine.runner import PlannedRun, RunSpec, run_apply
from quotabulk.formats.reports import check_report_path
from quotabulk.operator.connect import target_notice


def ask(yes: bool) -> Callable[[PlannedRun | None, RunResult | None], bool]:
    """Show the plan (or the run being resumed) and ask, unless --yes."""

    def confirm(planned: PlannedRun | None, resumed: RunResult | None) -> bool:
        if resumed is not None:
            still_open = sum(1 for r in resumed.rows if not r.outcome.settled)
            click.echo(f"Resuming run {resumed.run_id} ({still_open} rows still open).", err=True)
            return yes or click.confirm("Continue it?", default=True, err=True)
        assert planned is not None
        for line in plan_lines(planned.plan):
            click.echo(line, err=True)
        changes = len(planned.plan.changes)
        if not changes or yes:
            return True
        return click.confirm(f"Send {changes} requests to the operator?", default=False, err=True)

    return confirm


def execute(
    spec: RunSpec,
    account: str | None,
    options: ExecuteOptions,
    confirm: Callable[[PlannedRun | None, RunResult | None], bool],
    log_format: str | None,
) -> tuple[RunResult | None, dict[str, float]]:
    """Run it with progress on stderr; the result is None when the user declined."""
    settings = load_settings()
    account = settings.resolve_account({account} if account else None)
    notice = target_notice(settings)
    if notice:
        click.echo(notice, err=True)
    progress = progress_for_stderr()
    start_logging(log_format, quiet=isinstance(progress, BarProgress))
    try:
        outcome = asyncio.run(run_apply(settings, account, spec, options, progress, confirm))
    finally:
        progress.close()
    return outcome.result, dict(dataclasses.asdict(outcome.stats))


@click.command("apply")
@input_files
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="apply a plan saved with `plan --out` (refused if it went stale)",
)
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
@execution_options
@report_options(None)
@output_format
def apply_command(
    files: tuple[Path, ...],
    columns_file: Path | None,
    sheets: tuple[str, ...],
    skip_invalid: bool,
    plan_file: Path | None,
    yes: bool,
    prune: bool,
    max_deletes: int,
    concurrency: int,
    rate_limit: float,
    wait: str,
    report_path: Path | None,
    csv_delimiter: str,
    log_format: str | None,
    output_format: str,
) -> int:
    """Plan FILE... against the operator, confirm, send one request per change, follow
    every request to its final status, verify, and print what became of each row.

    Interrupted or killed? Run the same command again: requests already sent are
    followed, not re-sent.
    """
    if not yes and not sys.stdin.isatty():
        raise UsageError("there is no terminal to confirm on: add --yes to apply without asking")
    if report_path is not None:
        check_report_path(report_path)
    options = execute_options(concurrency, rate_limit, wait)
    if plan_file is not None:
        if files:
            raise UsageError("give either FILE... or --plan PLAN.json, not both")
        spec, account = plan_file_spec(plan_file)
    else:
        loaded = load_checked(files, columns_file, sheets, skip_invalid)
        echo_notices(loaded)
        plan_options = PlanOptions(prune=prune, max_deletes=max_deletes)
        spec = files_spec("apply", files, loaded, plan_options, skip_invalid)
        account = next(iter(loaded.accounts), None)
    result, stats = execute(spec, account, options, ask(yes), log_format)
    if result is None:
        click.echo("Nothing was sent.", err=True)
        return EXIT_OK
    if report_path is not None:
        written = save_report(result, report_path, load_settings(), csv_delimiter)
        click.echo(f"Report: {written}", err=True)
    echo_run(result, output_format, stats=stats)
    return result.exit_code

"""`quotabulk apply FILE...` / `apply --plan PLAN.json`: plan, confirm, execute, verify."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from quotabulk.app import applying, notifying
from quotabulk.app.applying import Applied
from quotabulk.app.holding_runs import Holding, files_holding, run_holding, saved_holding
from quotabulk.app.notifying import notify_of
from quotabulk.app.reports import ReportRequest, check_report_path
from quotabulk.app.workspace import Workspace
from quotabulk.cli import speech
from quotabulk.cli.options import echo_notices, input_files, load_checked, output_format
from quotabulk.cli.progress import LogProgress, progress_for_stderr
from quotabulk.cli.render import echo_invalid, holding_lines, plan_lines, saved_holding_lines
from quotabulk.cli.run_output import echo_run
from quotabulk.cli.running import (
    echo_target,
    execute_options,
    execution_options,
    notify_options,
    operator_timeout_option,
    report_language,
    report_options,
    start_logging,
    workspace,
)
from quotabulk.cli.speech import _, error_text, n_
from quotabulk.domain import messages as said
from quotabulk.domain.errors import EXIT_OK, UsageError
from quotabulk.domain.outcomes import RunResult
from quotabulk.domain.plan import PlanOptions
from quotabulk.domain.running import Confirm, ExecuteOptions, PlannedRun


def ask(yes: bool) -> Confirm:
    """Show the plan (or the run being resumed) and ask, unless --yes. No lock is held
    while the question waits: a prompt left open blocks nobody."""

    def confirm(planned: PlannedRun | None, resumed: RunResult | None) -> bool:
        if resumed is not None:
            still_open = sum(1 for r in resumed.rows if not r.outcome.settled)
            resuming = n_(
                "Resuming run {run} ({n} row still open).",
                "Resuming run {run} ({n} rows still open).",
                still_open,
            )
            click.echo(resuming.format(run=resumed.run_id), err=True)
            return yes or speech.confirm(_("Continue it?"), default=True)
        assert planned is not None
        for notice in planned.notices:
            click.echo(str(notice), err=True)
        # The plan and its summary stay on screen; the question comes after them.
        click.echo("\n".join(plan_lines(planned.plan)), err=True)
        changes = len(planned.plan.changes)
        if not changes or yes:
            return True
        question = n_(
            "Send {n} request to the operator?", "Send {n} requests to the operator?", changes
        )
        return speech.confirm(question, default=False)

    return confirm


def execute(
    space: Workspace,
    holding: Holding,
    options: ExecuteOptions,
    confirm: Confirm,
    log_format: str | None,
    report: ReportRequest | None,
    *,
    require_approval: bool = False,
    parallel: int = 1,
) -> Applied:
    """Run it with progress on stderr."""
    echo_target(space, log_format)
    progress = progress_for_stderr(log_format)
    # JSON progress means JSON logs of every row; a person gets warnings only, in words.
    json_lines = type(progress) is LogProgress
    start_logging(log_format or ("json" if json_lines else "console"), quiet=not json_lines)
    try:
        return run_holding(
            space,
            holding,
            options,
            progress,
            confirm,
            report,
            require_approval=require_approval,
            parallel=parallel,
        )
    finally:
        progress.close()


def confirm_holding(holding: Holding, yes: bool) -> bool:
    """Several accounts: every account's plan, a total, and one question for them all."""
    if holding.plan is not None:
        lines = holding_lines(holding.plan)
        changes = holding.plan.changes()
    else:
        plans = [(run.account or "", run.saved.plan) for run in holding.runs if run.saved]
        lines = saved_holding_lines(plans)
        changes = sum(len(plan.changes) for _, plan in plans)
    click.echo("\n".join(lines), err=True)
    if not changes or yes:
        return True
    question = n_(
        "Send {n} request to the operator?", "Send {n} requests to the operator?", changes
    )
    return speech.confirm(question, default=False)


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
@notify_options
@operator_timeout_option
@output_format
def apply_command(
    files: tuple[Path, ...],
    columns_file: Path | None,
    hidden: str | None,
    sheets: tuple[str, ...],
    skip_invalid: bool,
    plan_file: Path | None,
    yes: bool,
    require_approval: bool,
    prune: bool,
    max_deletes: int,
    concurrency: int,
    rate_limit: tuple[float, int | None],
    parallel_accounts: int,
    wait: str,
    report_path: Path | None,
    csv_delimiter: str,
    lang: str | None,
    log_format: str | None,
    notify: tuple[str, ...],
    notify_on: str,
    operator_timeout: str | None,
    output_format: str,
) -> int:
    """Plan FILE... against the operator, confirm, send one request per change, follow
    every request to its final status, verify, and print what became of each row.

    Interrupted (Ctrl-C, SIGTERM, SIGHUP) or killed? Run the same command again:
    requests already sent are followed, not re-sent.
    """
    if not yes and not sys.stdin.isatty():
        raise UsageError(said.NO_TERMINAL())
    if report_path is not None:
        check_report_path(report_path)
    options = execute_options(concurrency, rate_limit, wait)
    space = workspace(operator_timeout)
    asked = notify_of(notify, notify_on, "apply")  # a bad target: known before anything
    if plan_file is not None:
        if files:
            raise UsageError(said.FILES_OR_PLAN())
        parts = applying.read_saved_plan_parts(plan_file).parts
        holding = saved_holding(space, parts, str(plan_file))
    else:
        loaded = load_checked(files, columns_file, sheets, skip_invalid, hidden)
        plan_options = PlanOptions(prune=prune, max_deletes=max_deletes)
        inputs = tuple(map(str, files))
        holding = files_holding(
            space,
            "apply",
            inputs,
            loaded,
            plan_options,
            skip_invalid=skip_invalid,
            require_approval=require_approval,
        )
        echo_notices(loaded)
        if holding.plan is not None:
            echo_invalid([*loaded.invalid, *holding.plan.problems()], skipped=True)
    if holding.several and not confirm_holding(holding, yes):
        click.echo(_("Nothing was sent."), err=True)
        return EXIT_OK
    report = None
    report_lang = report_language(lang)
    if report_path is not None:
        report = ReportRequest(report_path, csv_delimiter=csv_delimiter, lang=report_lang)
    done = execute(
        space,
        holding,
        options,
        ask(yes),
        log_format,
        report,
        require_approval=require_approval,
        parallel=parallel_accounts,
    )
    if done.result is None:
        click.echo(_("Nothing was sent."), err=True)
        return EXIT_OK
    if done.report is not None:
        click.echo(_("Report: {path}").format(path=done.report), err=True)
    if done.report_error is not None:
        unwritten = _(
            "Error: {error}; the run is finished: `quotabulk show {run} --report FILE` "
            "writes its report."
        )
        click.echo(unwritten.format(error=done.report_error, run=done.result.run_id), err=True)
    failures = notifying.notify(asked, done.result, done.exit_code, done.report, report_lang)
    for failure in failures:
        click.echo(_("Error: {error}").format(error=speech.said(failure)), err=True)
    if report is not None:
        notifying.note_in_report(done.result, done.report, report, failures)
    echo_run(done.result, output_format, stats=done.stats)
    if done.interrupted:
        stopped = _("Interrupted: run {run} is journaled; the same command continues it.")
        click.echo(stopped.format(run=done.result.run_id), err=True)
    if done.operator_gone is not None:
        sent = _("some requests may have been sent") if done.maybe_sent else _("nothing was sent")
        gone = error_text(done.operator_gone)
        click.echo(_("Error: {error}; {sent}.").format(error=gone, sent=sent), err=True)
    return done.exit_code

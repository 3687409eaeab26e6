"""`quotabulk reconcile FILE...`: the unattended nightly apply. No prompt, JSON logs, a
report always written, and the exit codes monitoring understands."""

from __future__ import annotations

from pathlib import Path

import click

from quotabulk.app import notifying
from quotabulk.app.applying import Applied
from quotabulk.app.holding_runs import Holding
from quotabulk.app.notifying import notify_of
from quotabulk.app.reconciling import Night, reconcile
from quotabulk.app.reports import ReportRequest, check_report_path
from quotabulk.app.workspace import Workspace
from quotabulk.cli.apply import execute
from quotabulk.cli.options import input_files, output_format, read_inputs
from quotabulk.cli.run_output import echo_run
from quotabulk.cli.running import (
    execute_options,
    execution_options,
    notify_options,
    operator_timeout_option,
    report_language,
    report_options,
    start_logging,
)
from quotabulk.cli.speech import _
from quotabulk.domain.errors import QuotabulkError, ValidationFailed
from quotabulk.domain.outcomes import RunResult
from quotabulk.domain.plan import PlanOptions
from quotabulk.logs import get_logger
from quotabulk.redaction import blank


@click.command("reconcile")
@input_files
@execution_options
@click.option("--dry-run", is_flag=True, help="plan and report the drift; send nothing")
@report_options("json")
@notify_options
@operator_timeout_option
@output_format
def reconcile_command(
    files: tuple[Path, ...],
    columns_file: Path | None,
    hidden: str | None,
    sheets: tuple[str, ...],
    skip_invalid: bool,
    require_approval: bool,
    prune: bool,
    max_deletes: int,
    concurrency: int,
    rate_limit: tuple[float, int | None],
    parallel_accounts: int,
    wait: str,
    dry_run: bool,
    report_path: Path | None,
    csv_delimiter: str,
    lang: str | None,
    log_format: str | None,
    notify: tuple[str, ...],
    notify_on: str,
    operator_timeout: str | None,
    output_format: str,
) -> int:
    """Make the operator match FILE..., unattended: plan, apply, verify, report.

    The report is always written (default: $QUOTABULK_HOME/reports/<account>-<UTC>-<run>.xlsx)
    and its path printed, also when the run fails. Exit 0: every row applied or already
    as desired; 1: input or configuration error, nothing sent; 3: some rows rejected,
    failed, in conflict, pending or invalid (with --dry-run: drift found); 4: another run
    holds the lock; 130: stopped by a signal (the report says how far it got).
    """
    start_logging(log_format, quiet=False)
    log = get_logger(command="reconcile")
    if report_path is not None:
        check_report_path(report_path)
    asked = notify_of(notify, notify_on, "reconcile")  # a bad target: known before anything
    night = Night(
        tuple(map(str, files)),
        PlanOptions(prune=prune, max_deletes=max_deletes),
        ReportRequest(report_path, csv_delimiter=csv_delimiter, lang=report_language(lang)),
        skip_invalid=skip_invalid,
        dry_run=dry_run,
        operator_timeout=operator_timeout,
        require_approval=require_approval,
    )

    def run(space: Workspace, holding: Holding) -> Applied:
        options = execute_options(concurrency, rate_limit, wait)
        request = night.report
        return execute(
            space,
            holding,
            options,
            lambda *_: True,
            log_format,
            request,
            require_approval=require_approval,
            parallel=parallel_accounts,
        )

    def told(result: RunResult, exit_code: int, report: Path | None, error: str | None) -> None:
        """The night's result to whoever asked for it; a failure only said, never fatal."""
        failures = notifying.notify(asked, result, exit_code, report, night.report.lang, error)
        for failure in failures:
            log.error("notification not sent", error=str(failure))
        notifying.note_in_report(result, report, night.report, failures)

    def failed(result: RunResult, exc: QuotabulkError) -> None:
        told(result, exc.exit_code, exc.report, blank(exc.message))

    try:
        loading = lambda: read_inputs(files, columns_file, sheets, hidden)  # noqa: E731
        done = reconcile(night, loading, run, failed)
    except QuotabulkError as exc:
        problems = [str(p) for p in exc.problems] if isinstance(exc, ValidationFailed) else []
        log.error(
            "reconcile failed",
            error=blank(exc.message),
            exit_code=exc.exit_code,
            **({"problems": problems[:1000]} if problems else {}),
        )
        if exc.report is not None:
            _say_report(exc.report, log_format)
        exc.reported = log_format == "json"  # stderr carries only JSON lines then
        raise
    if done.operator_gone is not None:
        log.error(
            "operator unavailable",
            error=done.operator_gone.message,
            maybe_sent=done.maybe_sent,
            exit_code=done.exit_code,
        )
    if done.report is not None:
        _say_report(done.report, log_format)
    else:
        log.error(
            "report not written",
            error=done.report_error,
            hint=f"quotabulk show {done.result.run_id} --report FILE writes it",
        )
    log.info(
        "reconcile finished",
        run_id=done.result.run_id,
        report=str(done.report or ""),
        exit_code=done.exit_code,
        **done.result.counts(),
    )
    told(done.result, done.exit_code, done.report, None)
    echo_run(done.result, output_format)
    return done.exit_code


def _say_report(path: Path, log_format: str | None) -> None:
    if log_format == "json":
        get_logger(command="reconcile").info("report written", report=str(path))
    else:
        click.echo(_("Report: {path}").format(path=path), err=True)

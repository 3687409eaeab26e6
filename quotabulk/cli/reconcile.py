"""`quotabulk reconcile FILE...`: the unattended nightly apply. No prompt, JSON logs, a
report always written, and the exit codes monitoring understands."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from quotabulk.app import applying, reconciling
from quotabulk.app.reconciling import DRY_RUN_NOTE, unrun_result
from quotabulk.app.reports import ReportRequest, check_report_path, write_run_report
from quotabulk.app.workspace import Workspace
from quotabulk.cli.apply import execute
from quotabulk.cli.options import input_files, output_format, read_inputs
from quotabulk.cli.run_output import echo_run
from quotabulk.cli.running import (
    execute_options,
    execution_options,
    operator_timeout_option,
    report_language,
    report_options,
    start_logging,
)
from quotabulk.config import Settings, home_folder, load_settings
from quotabulk.domain.errors import (
    QuotabulkError,
    ValidationFailed,
)
from quotabulk.domain.models import Loaded
from quotabulk.domain.plan import PlanOptions
from quotabulk.logs import get_logger
from quotabulk.redaction import blank


@click.command("reconcile")
@input_files
@execution_options
@click.option("--dry-run", is_flag=True, help="plan and report the drift; send nothing")
@report_options("json")
@operator_timeout_option
@output_format
def reconcile_command(
    files: tuple[Path, ...],
    columns_file: Path | None,
    sheets: tuple[str, ...],
    skip_invalid: bool,
    require_approval: bool,
    prune: bool,
    max_deletes: int,
    concurrency: int,
    rate_limit: float,
    wait: str,
    dry_run: bool,
    report_path: Path | None,
    csv_delimiter: str,
    lang: str | None,
    log_format: str | None,
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
    request = ReportRequest(report_path, csv_delimiter=csv_delimiter, lang=report_language(lang))
    inputs = tuple(map(str, files))
    loaded: Loaded | None = None
    settings: Settings | None = None
    account = ""
    try:
        settings = load_settings(operator_timeout=operator_timeout)
        space = Workspace(settings)
        loaded = read_inputs(files, columns_file, sheets)
        account = settings.resolve_account(loaded.accounts) or ""
        if loaded.invalid and not skip_invalid:
            raise ValidationFailed.of_rows(loaded.invalid)
        plan_options = PlanOptions(prune=prune, max_deletes=max_deletes)
        if dry_run:
            result = reconciling.dry_run(space, account or None, loaded, plan_options, inputs)
            written = write_run_report(space, result, _noted(request, DRY_RUN_NOTE))
            code = result.exit_code
        else:
            spec = applying.files_spec(
                "reconcile", inputs, loaded, plan_options, skip_invalid=skip_invalid
            )
            options = execute_options(concurrency, rate_limit, wait)
            done = execute(
                space,
                spec,
                account or None,
                options,
                lambda *_: True,
                log_format,
                request,
                require_approval=require_approval,
            )
            # reconcile never declines, and always asks for a report
            assert done.result is not None
            assert done.report is not None
            result, written = done.result, done.report
            code = done.exit_code
            if done.operator_gone is not None:
                log.error(
                    "operator unavailable",
                    error=done.operator_gone.message,
                    maybe_sent=done.maybe_sent,
                    exit_code=code,
                )
    except QuotabulkError as exc:
        problems = [str(p) for p in exc.problems] if isinstance(exc, ValidationFailed) else []
        log.error(
            "reconcile failed",
            error=blank(exc.message),
            exit_code=exc.exit_code,
            **({"problems": problems[:1000]} if problems else {}),
        )
        failed = _report_failure(settings, loaded, account, inputs, exc.message, request)
        _say_report(failed, log_format)
        exc.reported = log_format == "json"  # stderr carries only JSON lines then
        raise
    _say_report(written, log_format)
    log.info(
        "reconcile finished",
        run_id=result.run_id,
        report=str(written),
        exit_code=code,
        **result.counts(),
    )
    echo_run(result, output_format)
    return code


def _noted(request: ReportRequest, note: str) -> ReportRequest:
    return dataclasses.replace(request, note=note)


def _say_report(path: Path, log_format: str | None) -> None:
    if log_format == "json":
        get_logger(command="reconcile").info("report written", report=str(path))
    else:
        click.echo(f"Report: {path}", err=True)


def _report_failure(
    settings: Settings | None,
    loaded: Loaded | None,
    account: str,
    inputs: tuple[str, ...],
    message: str,
    request: ReportRequest,
) -> Path:
    """The promise of reconcile: a report even when nothing could be sent."""
    if settings is None:  # the configuration itself is broken: the home is all we know
        from pydantic import SecretStr

        settings = Settings(None, SecretStr(""), None, home_folder())
    url = settings.operator_url
    failed = unrun_result(loaded, account, url, inputs, blank(message))
    return write_run_report(Workspace(settings), failed, _noted(request, blank(message)))

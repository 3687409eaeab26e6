"""`quotabulk reconcile FILE...`: the unattended nightly apply. No prompt, JSON logs, a
report always written, and the exit codes monitoring understands."""

from __future__ import annotations

from pathlib import Path

import click

from quotabulk.cli.apply import execute
from quotabulk.cli.operator_session import fetch_current
from quotabulk.cli.options import input_files, load_options, output_format
from quotabulk.cli.run_output import echo_run
from quotabulk.cli.running import (
    default_report_path,
    execute_options,
    execution_options,
    files_spec,
    report_options,
    save_report,
    start_logging,
    unrun_result,
)
from quotabulk.config import Settings, load_settings
from quotabulk.domain.errors import EXIT_OK, EXIT_ROWS_FAILED, QuotabulkError, ValidationFailed
from quotabulk.domain.models import ActionKind
from quotabulk.domain.outcomes import Outcome, RowResult, RunResult, invalid_result
from quotabulk.domain.plan import PlanOptions, plan
from quotabulk.formats.inputs import Loaded, load_inputs
from quotabulk.formats.reports import check_report_path
from quotabulk.logs import get_logger

DRY_RUN_NOTE = "dry run: nothing was sent"


@click.command("reconcile")
@input_files
@execution_options
@click.option("--dry-run", is_flag=True, help="plan and report the drift; send nothing")
@report_options("json")
@output_format
def reconcile_command(
    files: tuple[Path, ...],
    columns_file: Path | None,
    sheets: tuple[str, ...],
    skip_invalid: bool,
    prune: bool,
    max_deletes: int,
    concurrency: int,
    rate_limit: float,
    wait: str,
    dry_run: bool,
    report_path: Path | None,
    csv_delimiter: str,
    log_format: str | None,
    output_format: str,
) -> int:
    """Make the operator match FILE..., unattended: plan, apply, verify, report.

    The report is always written (default: $QUOTABULK_HOME/reports/<account>-<UTC>.xlsx)
    and its path printed, also when the run fails. Exit 0: every row applied or already
    as desired; 1: input or configuration error, nothing sent; 3: some rows rejected,
    failed, pending or invalid (with --dry-run: drift found); 4: another run holds the lock.
    """
    start_logging(log_format, quiet=False)
    log = get_logger(command="reconcile")
    if report_path is not None:
        check_report_path(report_path)
    settings = load_settings()
    inputs = tuple(map(str, files))
    loaded: Loaded | None = None
    account = settings.account
    try:
        loaded = load_inputs(list(files), load_options(columns_file, sheets))
        account = settings.resolve_account(loaded.accounts)
        if loaded.invalid and not skip_invalid:
            raise ValidationFailed.of_rows(loaded.invalid)
        plan_options = PlanOptions(prune=prune, max_deletes=max_deletes)
        if dry_run:
            result = _dry_run(settings, account, loaded, plan_options, inputs)
            code = EXIT_OK if all(r.outcome.good for r in result.rows) else EXIT_ROWS_FAILED
        else:
            spec = files_spec("reconcile", files, loaded, plan_options, skip_invalid)
            options = execute_options(concurrency, rate_limit, wait)
            done, _ = execute(spec, account, options, lambda *_: True, log_format)
            assert done is not None  # reconcile never declines
            result, code = done, done.exit_code
    except QuotabulkError as exc:
        log.error("reconcile failed", error=exc.message, exit_code=exc.exit_code)
        failed = unrun_result(loaded, account, inputs, exc.message, "failed")
        _write(failed, report_path, settings, csv_delimiter, exc.message, account)
        raise
    written = _write(
        result,
        report_path,
        settings,
        csv_delimiter,
        DRY_RUN_NOTE if dry_run else None,
        result.account,
    )
    log.info(
        "reconcile finished",
        run_id=result.run_id,
        report=str(written),
        exit_code=code,
        **result.counts(),
    )
    echo_run(result, output_format)
    return code


def _write(
    result: RunResult,
    path: Path | None,
    settings: Settings,
    delimiter: str,
    note: str | None,
    account: str | None,
) -> Path:
    target = path or default_report_path(settings, account)
    written = save_report(result, target, settings, delimiter, note)
    click.echo(f"Report: {written}", err=True)
    return written


def _dry_run(
    settings: Settings,
    account: str | None,
    loaded: Loaded,
    options: PlanOptions,
    inputs: tuple[str, ...],
) -> RunResult:
    account, current = fetch_current(settings, account)
    planned = plan(loaded.rows, current, options)
    drift = unrun_result(loaded, account, inputs, DRY_RUN_NOTE, "dry-run")
    rows: list[RowResult] = []
    for action in planned.actions:
        unchanged = action.kind is ActionKind.UNCHANGED
        rows.append(
            RowResult(
                action.source,
                action.msisdn,
                action.kind.value,
                action.before,
                action.after,
                None,
                None,
                Outcome.UNCHANGED if unchanged else Outcome.SKIPPED,
                None if unchanged else DRY_RUN_NOTE,
                action.extras,
            )
        )
    rows.extend(invalid_result(row) for row in [*loaded.invalid, *planned.problems])
    return RunResult(
        "dry-run",
        account,
        drift.operator_url,
        inputs,
        drift.started_at,
        drift.finished_at,
        "dry-run",
        rows,
    )

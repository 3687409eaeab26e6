"""What apply and reconcile share: their options, what they plan, logging and reports."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from quotabulk.config import Settings
from quotabulk.domain.errors import ValidationFailed
from quotabulk.domain.models import Subscriber
from quotabulk.domain.outcomes import Outcome, RowResult, RunResult, invalid_result
from quotabulk.domain.plan import DEFAULT_MAX_DELETES, PlanOptions, plan
from quotabulk.engine.execute import ExecuteOptions
from quotabulk.engine.runner import PlannedRun, RunSpec, fingerprint
from quotabulk.formats.inputs import Loaded
from quotabulk.formats.plans.read import read_plan_file, refuse_if_stale
from quotabulk.formats.reports import ReportMeta, write_report
from quotabulk.logs import configure_logging
from quotabulk.store.journal import now_iso

F = TypeVar("F", bound=Callable[..., Any])
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smh]?)$")


def parse_wait(text: str) -> float:
    match = _DURATION.match(text.strip())
    if not match:
        raise click.BadParameter(f"'{text}' is not a duration such as 600, 90s, 10m or 1h")
    return float(match[1]) * {"": 1, "s": 1, "m": 60, "h": 3600}[match[2]]


def _apply_options(func: F, options: list[Callable[[F], F]]) -> F:
    for option in reversed(options):
        func = option(func)
    return func


def execution_options(func: F) -> F:
    """--prune, --max-deletes, --concurrency, --rate-limit, --wait."""
    return _apply_options(
        func,
        [
            click.option("--prune", is_flag=True, help="also delete quotas no input mentions"),
            click.option(
                "--max-deletes",
                type=click.IntRange(min=0),
                default=DEFAULT_MAX_DELETES,
                show_default=True,
                help="refuse --prune beyond this many deletions",
            ),
            click.option(
                "--concurrency",
                type=click.IntRange(1, 64),
                default=8,
                show_default=True,
                help="requests in flight at once",
            ),
            click.option(
                "--rate-limit",
                type=click.FloatRange(min=0.1),
                default=10.0,
                show_default=True,
                help="requests per second, at most",
            ),
            click.option(
                "--wait",
                "wait",
                default="10m",
                show_default=True,
                help="how long to follow requests before leaving them pending",
            ),
        ],
    )


def report_options(default_log_format: str | None) -> Callable[[F], F]:
    """--report, --csv-delimiter, --log-format."""

    def decorate(func: F) -> F:
        return _apply_options(
            func,
            [
                click.option(
                    "--report",
                    "report_path",
                    type=click.Path(dir_okay=False, path_type=Path),
                    help="write the reconciliation report: .xlsx, .csv or .json",
                ),
                click.option(
                    "--csv-delimiter",
                    default=";",
                    show_default=True,
                    type=click.Choice([";", ",", "\t"]),
                    help="for a .csv report",
                ),
                click.option(
                    "--log-format",
                    type=click.Choice(["console", "json"]),
                    default=default_log_format,
                    help="log lines on stderr [default: "
                    + (default_log_format or "console on a terminal, json otherwise")
                    + "]",
                ),
            ],
        )

    return decorate


def execute_options(concurrency: int, rate_limit: float, wait: str) -> ExecuteOptions:
    return ExecuteOptions(concurrency=concurrency, rate_limit=rate_limit, wait_s=parse_wait(wait))


def start_logging(log_format: str | None, *, quiet: bool) -> None:
    """INFO lines for row events; only warnings while a progress bar owns the terminal."""
    configure_logging(log_format, level=logging.WARNING if quiet else logging.INFO)


def files_spec(
    command: str,
    files: tuple[Path, ...],
    loaded: Loaded,
    plan_options: PlanOptions,
    skip_invalid: bool,
) -> RunSpec:
    """What `apply FILE...` and `reconcile FILE...` plan, and the identity a rerun resumes."""

    def build(current: dict[str, Subscriber]) -> PlannedRun:
        planned = plan(loaded.rows, current, plan_options)
        if planned.problems and not skip_invalid:
            raise ValidationFailed.of_rows(planned.problems)
        return PlannedRun(planned, loaded.invalid)

    digest = fingerprint(
        command, plan_options, skip_invalid, loaded.rows, [r.source for r in loaded.invalid]
    )
    msisdns = frozenset(row.msisdn for row in loaded.rows)
    return RunSpec(command, tuple(map(str, files)), digest, build, msisdns)


def plan_file_spec(path: Path) -> tuple[RunSpec, str | None]:
    saved = read_plan_file(path)

    def build(current: dict[str, Subscriber]) -> PlannedRun:
        refuse_if_stale(saved, current)
        return PlannedRun(saved.plan, saved.invalid)

    msisdns = frozenset(a.msisdn for a in saved.plan.actions)
    spec = RunSpec("apply", (str(path),), f"plan:{saved.fingerprint}", build, msisdns)
    return spec, saved.account


def default_report_path(settings: Settings, account: str | None) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return settings.home / "reports" / f"{account or 'account'}-{stamp}.xlsx"


def save_report(
    result: RunResult, path: Path, settings: Settings, delimiter: str, note: str | None = None
) -> Path:
    url = settings.api_url or f"sandbox:{settings.sandbox_db}"
    return write_report(result, path, ReportMeta(url, note), delimiter)


def unrun_result(
    loaded: Loaded | None,
    account: str | None,
    inputs: tuple[str, ...],
    note: str,
    status: str,
) -> RunResult:
    """A report's worth of rows for a run that never sent anything: valid rows `skipped`
    with the reason, invalid rows `invalid` with theirs."""
    rows: list[RowResult] = []
    if loaded is not None:
        rows += [
            RowResult(
                r.source,
                r.msisdn,
                "skipped",
                None,
                None,
                None,
                None,
                Outcome.SKIPPED,
                note,
                tuple(r.extras.items()),
            )
            for r in loaded.rows
        ]
        rows += [invalid_result(r) for r in loaded.invalid]
    stamp = now_iso()
    return RunResult("-", account or "", "", inputs, stamp, stamp, status, rows)

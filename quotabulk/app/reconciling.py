"""The nightly reconciliation: load, plan, apply (or only report the drift) and always
leave a report — also when the inputs, the configuration or the operator fail before
anything could be sent. Both faces can call `reconcile`; the CLI's `reconcile` does."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from quotabulk.app.accounts import keep_own_account
from quotabulk.app.applying import Applied, files_spec
from quotabulk.app.planning import current_state
from quotabulk.app.reports import ReportRequest, write_run_report
from quotabulk.app.workspace import Workspace
from quotabulk.config import Settings, home_folder, load_settings
from quotabulk.domain.errors import (
    OperatorUnavailable,
    QuotabulkError,
    StateError,
    ValidationFailed,
)
from quotabulk.domain.models import ActionKind, Loaded
from quotabulk.domain.outcomes import Outcome, RowResult, RunResult, RunStatus
from quotabulk.domain.plan import PlanOptions, plan_loaded_rows
from quotabulk.domain.running import RunSpec
from quotabulk.redaction import blank
from quotabulk.store.journal import now_iso

DRY_RUN_NOTE = "dry run: nothing was sent"


def unrun_result(
    loaded: Loaded | None, account: str, operator_url: str, inputs: tuple[str, ...], note: str
) -> RunResult:
    """A report's worth of rows for a run that never sent anything: valid rows `skipped`
    with the reason (their state never read), invalid rows `invalid` with theirs."""
    rows: list[RowResult] = []
    if loaded is not None:
        rows += [
            RowResult.skipped(r.source, r.msisdn, r.extras, note, state_known=False)
            for r in loaded.rows
        ]
        rows += [RowResult.invalid(r) for r in loaded.invalid]
        rows += [RowResult.set_aside(s) for s in loaded.skipped]
    stamp = now_iso()
    return RunResult("-", account, operator_url, inputs, stamp, stamp, RunStatus.FAILED, rows)


def dry_run(
    workspace: Workspace,
    account: str | None,
    loaded: Loaded,
    options: PlanOptions,
    inputs: tuple[str, ...],
) -> RunResult:
    """Plan and report the drift; send nothing."""
    account, url, current, rules = asyncio.run(current_state(workspace, account))
    planned = plan_loaded_rows(loaded, current, options, rules)
    rows: list[RowResult] = []
    for action in planned.actions:
        unchanged = action.kind is ActionKind.UNCHANGED
        outcome = Outcome.UNCHANGED if unchanged else Outcome.SKIPPED
        rows.append(RowResult.planned(action, outcome, None if unchanged else DRY_RUN_NOTE))
    rows.extend(RowResult.invalid(row) for row in [*loaded.invalid, *planned.problems])
    rows.extend(RowResult.set_aside(s) for s in loaded.skipped)
    stamp = now_iso()
    return RunResult("dry-run", account, url, inputs, stamp, stamp, RunStatus.DRY_RUN, rows)


@dataclass(frozen=True)
class Night:
    """What one reconciliation is asked to do."""

    inputs: tuple[str, ...]
    plan_options: PlanOptions
    report: ReportRequest
    skip_invalid: bool = False
    dry_run: bool = False
    operator_timeout: str | None = None


@dataclass(frozen=True)
class Reconciled:
    """What a night did: the run, where its report is, and its exit code."""

    result: RunResult
    report: Path | None  # None: it could not be written (`report_error` says why)
    exit_code: int
    operator_gone: OperatorUnavailable | None = None
    maybe_sent: bool = False
    report_error: str | None = None


# The run itself, as the face runs it (with its progress and logs): the workspace, what
# to run and on which account (None: the only one the credentials may use).
Runner = Callable[[Workspace, RunSpec, str | None], Applied]


def reconcile(night: Night, load: Callable[[], Loaded], run: Runner) -> Reconciled:
    """Load with `load`, then apply with `run` (or, with `dry_run`, only report the drift),
    and write the report. A `QuotabulkError` still leaves a report — every row `skipped`
    or `invalid` with the reason — whose path it carries as `report` when re-raised."""
    loaded: Loaded | None = None
    settings: Settings | None = None
    account = ""
    try:
        settings = load_settings(operator_timeout=night.operator_timeout)
        space = Workspace(settings)
        loaded = load()
        account = settings.resolve_account(loaded.accounts) or ""
        if loaded.invalid and not night.skip_invalid:
            raise ValidationFailed.of_rows(loaded.invalid)
        keep_own_account(loaded, account, skip_invalid=night.skip_invalid)
        if night.dry_run:
            result = dry_run(space, account or None, loaded, night.plan_options, night.inputs)
            written = write_run_report(space, result, _noted(night.report, DRY_RUN_NOTE))
            return Reconciled(result, written, result.exit_code)
        spec = files_spec(
            "reconcile", night.inputs, loaded, night.plan_options, skip_invalid=night.skip_invalid
        )
        done = run(space, spec, account or None)
        assert done.result is not None  # reconcile never declines
        return Reconciled(
            done.result,
            done.report,
            done.exit_code,
            done.operator_gone,
            done.maybe_sent,
            done.report_error,
        )
    except QuotabulkError as exc:
        # The report of a night that could not even start; when even that cannot be
        # written (a full disk), the error that stopped the night is the one to say.
        with contextlib.suppress(StateError):
            exc.report = _report_failure(settings, loaded, account, night, exc.message)
        raise


def _noted(request: ReportRequest, note: str) -> ReportRequest:
    return dataclasses.replace(request, note=note)


def _report_failure(
    settings: Settings | None, loaded: Loaded | None, account: str, night: Night, message: str
) -> Path:
    """The promise of reconcile: a report even when nothing could be sent."""
    if settings is None:  # the configuration itself is broken: the home is all we know
        from pydantic import SecretStr

        settings = Settings(None, SecretStr(""), None, home_folder())
    url = settings.operator_url
    failed = unrun_result(loaded, account, url, night.inputs, blank(message))
    return write_run_report(Workspace(settings), failed, _noted(night.report, blank(message)))

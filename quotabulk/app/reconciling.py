"""The nightly reconciliation: load, plan, apply (or only report the drift) and always
leave a report — also when the inputs, the configuration or the operator fail before
anything could be sent. Both faces can call `reconcile`; the CLI's `reconcile` does."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from quotabulk.app.applying import Applied
from quotabulk.app.holding_plans import parts_of, plan_parts
from quotabulk.app.holding_runs import Holding, files_holding
from quotabulk.app.holdings import refused_result
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
from quotabulk.domain.outcomes import Outcome, RowResult, RunResult, RunStatus, holding_result
from quotabulk.domain.plan import PlanOptions
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
    workspace: Workspace, loaded: Loaded, options: PlanOptions, inputs: tuple[str, ...]
) -> RunResult:
    """Plan every account and report the drift; send nothing."""
    holding = plan_parts(workspace, loaded, parts_of(workspace, loaded), options, skip_invalid=True)
    stamp = now_iso()
    results: list[RunResult] = []
    for view in holding.views:
        rows: list[RowResult] = []
        for action in view.plan.actions:
            unchanged = action.kind is ActionKind.UNCHANGED
            outcome = Outcome.UNCHANGED if unchanged else Outcome.SKIPPED
            rows.append(RowResult.planned(action, outcome, None if unchanged else DRY_RUN_NOTE))
        rows.extend(RowResult.invalid(row) for row in [*view.loaded.invalid, *view.plan.problems])
        rows.extend(RowResult.set_aside(s) for s in view.loaded.skipped)
        results.append(
            RunResult(
                "dry-run",
                view.account,
                view.operator_url,
                inputs,
                stamp,
                stamp,
                RunStatus.DRY_RUN,
                rows,
            )
        )
    url = workspace.settings.operator_url
    for part, refusal in holding.refused:
        results.append(refused_result(part, refusal.account, refusal.reason, url, inputs))
    return holding_result(results)


@dataclass(frozen=True)
class Night:
    """What one reconciliation is asked to do."""

    inputs: tuple[str, ...]
    plan_options: PlanOptions
    report: ReportRequest
    skip_invalid: bool = False
    dry_run: bool = False
    operator_timeout: str | None = None
    require_approval: bool = False


@dataclass(frozen=True)
class Reconciled:
    """What a night did: the run, where its report is, and its exit code."""

    result: RunResult
    report: Path | None  # None: it could not be written (`report_error` says why)
    exit_code: int
    operator_gone: OperatorUnavailable | None = None
    maybe_sent: bool = False
    report_error: str | None = None


# The runs themselves, as the face runs them (with its progress and logs): the workspace
# and every account's run.
Runner = Callable[[Workspace, Holding], Applied]


def reconcile(
    night: Night,
    load: Callable[[], Loaded],
    run: Runner,
    failed: Callable[[RunResult, QuotabulkError], None] | None = None,
) -> Reconciled:
    """Load with `load`, then apply with `run` (or, with `dry_run`, only report the drift),
    and write the report. A `QuotabulkError` still leaves a report — every row `skipped`
    or `invalid` with the reason — whose path it carries as `report` when re-raised;
    `failed` hears of it first, with the rows of that report (the night's mail)."""
    loaded: Loaded | None = None
    settings: Settings | None = None
    account = ""
    try:
        settings = load_settings(operator_timeout=night.operator_timeout)
        space = Workspace(settings)
        loaded = load()
        account = settings.resolve_account() or ""
        if loaded.invalid and not night.skip_invalid:
            raise ValidationFailed.of_rows(loaded.invalid)
        if night.dry_run:
            result = dry_run(space, loaded, night.plan_options, night.inputs)
            written = write_run_report(space, result, _noted(night.report, DRY_RUN_NOTE))
            return Reconciled(result, written, result.exit_code)
        holding = files_holding(
            space,
            "reconcile",
            night.inputs,
            loaded,
            night.plan_options,
            skip_invalid=night.skip_invalid,
            require_approval=night.require_approval,
        )
        done = run(space, holding)
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
        url = settings.operator_url if settings is not None else ""
        result = unrun_result(loaded, account, url, night.inputs, blank(exc.message))
        with contextlib.suppress(StateError):
            exc.report = _report_failure(settings, result, night, exc.message)
        if failed is not None:
            failed(result, exc)
        raise


def _noted(request: ReportRequest, note: str) -> ReportRequest:
    return dataclasses.replace(request, note=note)


def _report_failure(
    settings: Settings | None, failed: RunResult, night: Night, message: str
) -> Path:
    """The promise of reconcile: a report even when nothing could be sent."""
    if settings is None:  # the configuration itself is broken: the home is all we know
        from pydantic import SecretStr

        settings = Settings(None, SecretStr(""), None, home_folder())
    if not failed.operator_url:
        failed = dataclasses.replace(failed, operator_url=settings.operator_url)
    return write_run_report(Workspace(settings), failed, _noted(night.report, blank(message)))

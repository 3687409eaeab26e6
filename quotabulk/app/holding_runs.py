"""Running the accounts of one command: each its own run (its own lock, journal rows and
exactly-once rules), one after another or `--parallel-accounts N` at once, one report.

A command over one account is run exactly as before: `run_holding` hands it to
`applying.run_async`, report and all."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from quotabulk.app import applying, people
from quotabulk.app.applying import Applied, files_spec, saved_plan_spec
from quotabulk.app.holding_plans import (
    ACCOUNT_REFUSALS,
    HoldingPlan,
    parts_of,
    plan_parts,
    view_digest,
)
from quotabulk.app.holdings import Part, common_exit_code, refused_result
from quotabulk.app.reports import ReportRequest, write_run_report
from quotabulk.app.workspace import Workspace
from quotabulk.domain import messages as said
from quotabulk.domain.digest import plan_digest, schedule_key
from quotabulk.domain.errors import (
    EXIT_ROWS_FAILED,
    AccessDenied,
    ConfigError,
    Interrupted,
    PlanError,
    StateError,
    ValidationFailed,
)
from quotabulk.domain.messages import Text
from quotabulk.domain.models import Loaded
from quotabulk.domain.outcomes import RunResult, holding_result
from quotabulk.domain.plan import Plan, PlanOptions, SavedPlan
from quotabulk.domain.running import Confirm, ExecuteOptions, PlannedRun, ProgressSink, RunSpec
from quotabulk.engine.stopping import Stop, signals_stop
from quotabulk.operator.port import ENV_ACCOUNT

# What stops one account's run while the others go on (besides the operator refusing
# the account): a saved plan gone stale there, or its state no longer what was planned.
RUN_REFUSALS = (*ACCOUNT_REFUSALS, PlanError, ValidationFailed)
NOT_STARTED = "не запускался: запуск остановлен"
DECLINED = "не запускался: план счёта изменился после подтверждения, и запуск отклонён"


@dataclass(frozen=True)
class AccountRun:
    """One account's run of a command. `expected`: the digest of its plan as the person
    confirmed it for the whole command (the run goes on without asking while its plan is
    still that); `plan`: that plan, for the rows of an account that could not run."""

    account: str | None
    spec: RunSpec
    part: Part | None = None
    saved: SavedPlan | None = None
    expected: str | None = None
    plan: Plan | None = None
    operator_url: str = ""


@dataclass(frozen=True)
class Holding:
    """What a command runs: its accounts' runs, and the accounts already refused (as
    their rows' results) with their exit codes. `plan`: the plan of every account, for
    a face to show before asking (None: one account, planned by its own run)."""

    runs: tuple[AccountRun, ...]
    refused: tuple[tuple[RunResult, int], ...] = ()
    plan: HoldingPlan | None = None
    inputs: tuple[str, ...] = ()

    @property
    def several(self) -> bool:
        return len(self.runs) + len(self.refused) > 1


def files_holding(
    workspace: Workspace,
    command: str,
    inputs: Sequence[str],
    loaded: Loaded,
    options: PlanOptions,
    *,
    skip_invalid: bool,
    require_approval: bool = False,
) -> Holding:
    """What `apply FILE...` and `reconcile FILE...` run. With several accounts every one
    is planned first: invalid rows (strict) and a plan not approved (four eyes) stop the
    command before any account runs; an account the operator refuses is set aside."""
    parts = parts_of(workspace, loaded)
    inputs = tuple(inputs)
    if len(parts) == 1:
        part = parts[0]
        own = part.options(options)
        spec = files_spec(command, inputs, part.loaded, own, skip_invalid=skip_invalid)
        return Holding((AccountRun(part.account, spec, part),), inputs=inputs)
    planned = plan_parts(workspace, loaded, parts, options, skip_invalid=skip_invalid)
    if require_approval or people.four_eyes_required(workspace):
        _require_approval(workspace, planned)
    runs = tuple(
        AccountRun(
            view.account,
            files_spec(
                command,
                inputs,
                view.loaded,
                Part(view.account, view.loaded).options(options),
                skip_invalid=skip_invalid,
            ),
            Part(view.account, view.loaded),
            expected=view_digest(view),
            plan=view.plan,
            operator_url=view.operator_url,
        )
        for view in planned.views
    )
    url = workspace.settings.operator_url
    refused = tuple(
        (refused_result(part, why.account, why.reason, url, inputs), why.exit_code)
        for part, why in planned.refused
    )
    return Holding(runs, refused, planned, inputs)


def _require_approval(workspace: Workspace, planned: HoldingPlan) -> None:
    """Four eyes over several accounts, before any account runs (nothing half-done): the
    whole plan, as its maker submitted it, approved by a checker. A refusal is audited."""
    workspace.refuse_if_exposed()
    try:
        for view in planned.views:
            key = schedule_key(view.plan.schedule, view.account, view.operator_url)
            people.require_approval(workspace, view_digest(view), key)
    except AccessDenied as exc:
        refusal = AccessDenied(said.NOT_APPROVED(digest=planned.digest[:12]))
        user = people.os_user()
        people.record_refusal(workspace, planned.digest, None, user, refusal.message)
        raise refusal from exc


def saved_holding(workspace: Workspace, parts: Sequence[SavedPlan], shown_as: str) -> Holding:
    """What `apply --plan` runs: each account's saved plan; with `QUOTABULK_ACCOUNT`, only
    that account's (refused when the plan has nothing for it)."""
    only = workspace.settings.account
    if only:
        mine = [part for part in parts if part.account == only]
        if not mine:
            planned = ", ".join(part.account for part in parts)
            raise ConfigError(
                said.PLAN_ACCOUNT_NOT_CONFIGURED(
                    planned=planned, variable=ENV_ACCOUNT, configured=only
                )
            )
        parts = mine
    runs = tuple(
        AccountRun(part.account, saved_plan_spec(part, shown_as), saved=part) for part in parts
    )
    return Holding(runs, inputs=(shown_as,))


@dataclass
class _Ran:
    """What became of one account's run."""

    result: RunResult
    code: int
    applied: Applied | None = None


async def run_holding_async(
    workspace: Workspace,
    holding: Holding,
    options: ExecuteOptions,
    progress: ProgressSink,
    confirm: Confirm,
    report: ReportRequest | None = None,
    *,
    require_approval: bool = False,
    started_by: str | None = None,
    parallel: int = 1,
) -> Applied:
    """Run every account of the command; one account's refusal or failure does not stop
    the others, a stop signal stops them all (the accounts not started are reported so).
    One report, the runs' ids in it; the exit code is the accounts' common code, else 3."""
    if not holding.several:
        run = holding.runs[0]
        return await applying.run_async(
            workspace,
            run.account,
            run.spec,
            options,
            progress,
            confirm,
            report,
            run.saved,
            require_approval=require_approval,
            started_by=started_by,
        )
    stop = Stop()
    at_once = max(1, min(parallel, len(holding.runs)))
    # The token's budget is shared by the accounts running at once: each keeps to its part.
    shared = _shared_budget(options, at_once)
    gate = asyncio.Semaphore(at_once)

    async def one(run: AccountRun) -> _Ran:
        async with gate:
            if stop.is_set():
                return _unrun(holding, run, NOT_STARTED, 130)
            try:
                applied = await applying.run_async(
                    workspace,
                    run.account,
                    run.spec,
                    shared,
                    progress,
                    _confirm_for(run, confirm),
                    None,
                    run.saved,
                    require_approval=require_approval,
                    started_by=started_by,
                    stop=stop,
                )
            except Interrupted as exc:
                return _unrun(holding, run, exc.text or exc.message, exc.exit_code)
            except RUN_REFUSALS as exc:
                return _unrun(holding, run, exc.text or exc.message, exc.exit_code)
            if applied.result is None:  # declined when its plan had changed
                return _unrun(holding, run, DECLINED, EXIT_ROWS_FAILED)
            if applied.interrupted:
                stop.set()
            return _Ran(applied.result, applied.exit_code, applied)

    with signals_stop(stop, progress.stopping):
        ran = list(await asyncio.gather(*(one(run) for run in holding.runs)))
    return _combined(workspace, holding, ran, report)


def _shared_budget(options: ExecuteOptions, at_once: int) -> ExecuteOptions:
    if at_once == 1:
        return options
    per_minute = None if options.per_minute is None else max(1, options.per_minute // at_once)
    return dataclasses.replace(
        options, rate_limit=options.rate_limit / at_once, per_minute=per_minute
    )


def _confirm_for(run: AccountRun, confirm: Confirm) -> Confirm:
    """The person confirmed every account's plan at once: an account's run goes on
    without asking again while its plan is still the one shown (else it asks)."""

    def check(planned: PlannedRun | None, resumed: RunResult | None) -> bool:
        if planned is not None and run.saved is not None:
            return True  # a saved plan runs as saved, or is refused as stale
        if planned is not None and run.expected is not None and run.account is not None:
            plan = planned.plan
            digest = plan_digest(
                run.account, run.operator_url, plan.actions, plan.day, plan.schedule
            )
            if digest == run.expected:
                return True
        return confirm(planned, resumed)

    return check


def _unrun(holding: Holding, run: AccountRun, reason: Text | str, code: int) -> _Ran:
    """An account whose run did not happen (or stopped before sending)."""
    account = run.account or ""
    if run.part is not None:
        url = run.operator_url
        found = refused_result(run.part, account, reason, url, holding.inputs, run.plan)
        return _Ran(found, code)
    assert run.saved is not None  # a saved plan's account: its actions are its rows
    saved = run.saved
    rows = Part(account, Loaded(invalid=list(saved.invalid)))
    url, inputs = saved.operator_url, holding.inputs
    return _Ran(refused_result(rows, account, reason, url, inputs, saved.plan), code)


def _combined(
    workspace: Workspace, holding: Holding, ran: list[_Ran], report: ReportRequest | None
) -> Applied:
    results = [r.result for r in ran] + [result for result, _ in holding.refused]
    codes = [r.code for r in ran] + [code for _, code in holding.refused]
    merged = holding_result(sorted(results, key=lambda r: r.account))
    runs = [r.applied for r in ran if r.applied is not None]
    stats: dict[str, float] = {}
    for applied in runs:
        for key, value in applied.stats.items():
            stats[key] = stats.get(key, 0) + value
    written, unwritten = _report(workspace, merged, report)
    gone = next((a for a in runs if a.operator_gone is not None), None)
    return Applied(
        merged,
        stats,
        written,
        interrupted=any(a.interrupted for a in runs) or 130 in codes,
        resumed=any(a.resumed for a in runs),
        operator_gone=gone.operator_gone if gone else None,
        maybe_sent=any(a.maybe_sent for a in runs),
        report_error=unwritten,
        code=common_exit_code(codes) if unwritten is None else 3,
    )


def _report(
    workspace: Workspace, merged: RunResult, report: ReportRequest | None
) -> tuple[Path | None, str | None]:
    """One report of every account; each run remembers it (`show RUN` finds it)."""
    if report is None:
        return None, None
    try:
        written = write_run_report(workspace, merged, report)
    except StateError as exc:
        return None, exc.message
    with contextlib.suppress(StateError), workspace.journal() as journal:
        for part in merged.parts:
            if part.run_id not in ("", "-"):
                journal.set_report(part.run_id, str(written))
    return written, None


run_holding = applying.on_a_new_loop(run_holding_async)
"""`run_holding_async` on a new event loop: the CLI's way in (same arguments, result)."""

"""Use cases that change quotas: apply inputs, apply a saved plan, reconcile.

Both faces call `run`: it opens the journal and the operator, installs the stop signals
and runs the engine; the report is written from the journal before the run is marked
finished, so a kill at any moment leaves a run whose rerun writes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import hashlib
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from quotabulk.app import people
from quotabulk.app.reports import ReportRequest, write_run_report
from quotabulk.app.workspace import Workspace
from quotabulk.domain import messages as said
from quotabulk.domain.errors import (
    EXIT_INTERRUPTED,
    EXIT_OPERATOR,
    EXIT_ROWS_FAILED,
    AccessDenied,
    ConfigError,
    OperatorUnavailable,
    PlanError,
    StateError,
    ValidationFailed,
)
from quotabulk.domain.models import Subscriber
from quotabulk.domain.outcomes import RunResult
from quotabulk.domain.periods import day_text
from quotabulk.domain.plan import PlanOptions, SavedPlans, plan_loaded_rows
from quotabulk.domain.quota_rules import QuotaRules, foreign_rules
from quotabulk.domain.running import (
    Confirm,
    ExecuteOptions,
    GateCheck,
    PlannedRun,
    ProgressSink,
    RunSpec,
)
from quotabulk.engine.runner import RunOutcome, run_apply
from quotabulk.engine.stopping import Stop, signals_stop
from quotabulk.formats.inputs import Loaded
from quotabulk.formats.plans.read import (
    SavedPlan,
    read_plan_file,
    read_plan_parts,
    refuse_if_stale,
)
from quotabulk.i18n import today
from quotabulk.operator.connect import ConnectOptions
from quotabulk.operator.port import ENV_ACCOUNT
from quotabulk.store.journal import Journal
from quotabulk.store.people import Event, People

P = ParamSpec("P")
T = TypeVar("T")


def files_spec(
    command: str,
    inputs: Sequence[str],
    loaded: Loaded,
    options: PlanOptions,
    *,
    skip_invalid: bool,
) -> RunSpec:
    """What `apply FILE...` and `reconcile FILE...` plan. Its identity is the inputs'
    content and the options: the same command run again resumes the run it started."""

    def build(current: dict[str, Subscriber], rules: QuotaRules) -> PlannedRun:
        planned = plan_loaded_rows(loaded, current, options, rules)
        if planned.problems and not skip_invalid:
            raise ValidationFailed.of_rows(planned.problems)
        foreign = foreign_rules(current, loaded)
        return PlannedRun(planned, [*loaded.invalid, *planned.problems], loaded.skipped, foreign)

    digest = hashlib.sha256()
    for row in loaded.rows:
        # A row without an account is digested as before rows had one: a run started
        # by an older quotabulk is resumed by the same command.
        digest.update(repr(tuple(row) if row.account else tuple(row)[:-1]).encode())
    for invalid in loaded.invalid:
        digest.update(invalid.source.encode())
    key = (command, "inputs", repr(options), str(skip_invalid), digest.hexdigest())
    msisdns = frozenset(row.msisdn for row in loaded.rows)
    return RunSpec(command, tuple(inputs), key, build, msisdns)


def saved_plan_spec(saved: SavedPlan, shown_as: str) -> RunSpec:
    """What `apply --plan` runs: exactly the saved actions, refused when stale."""

    def build(current: dict[str, Subscriber], rules: QuotaRules) -> PlannedRun:
        refuse_if_stale(saved, current)
        return PlannedRun(saved.plan, saved.invalid)

    msisdns = frozenset(a.msisdn for a in saved.plan.actions)
    return RunSpec("apply", (shown_as,), ("plan", saved.digest), build, msisdns)


def read_saved_plan(path: Path, shown_as: str | None = None) -> SavedPlan:
    """A plan of one account saved by `plan --out`; refused when edited or made by an
    older quotabulk."""
    return read_plan_file(path, shown_as)


def read_saved_plan_parts(path: Path, shown_as: str | None = None) -> SavedPlans:
    """A plan saved by `plan --out`, of one account or several: its digest and each
    account's plan."""
    return read_plan_parts(path, shown_as)


def refuse_if_stale_now(workspace: Workspace, saved: SavedPlans) -> None:
    """Refuse (`PlanError`, listing what changed) a saved plan whose subscribers changed
    at the operator since it was made — in any of its accounts: what the console asks
    before an approval."""
    from quotabulk.app.planning import current_state

    for part in saved.parts:
        _, _, current, _ = asyncio.run(current_state(workspace, part.account))
        refuse_if_stale(part, current)


def check_plan_day(saved: SavedPlan) -> None:
    """A plan of periods is for its day: on another, other rows hold (plan again)."""
    day = saved.plan.day
    if day is not None and not day.holds_on(today()):
        raise PlanError(said.PLAN_OTHER_DAY(day=day_text(day.day), today=day_text(today())))


def check_plan_target(saved: SavedPlan, account: str, operator_url: str) -> None:
    """A plan runs only against the operator and account it was made for."""
    if saved.operator_url != operator_url:
        raise ConfigError(said.PLAN_OTHER_OPERATOR(planned=saved.operator_url, url=operator_url))
    if saved.account != account:
        raise ConfigError(said.PLAN_OTHER_ACCOUNT(planned=saved.account, account=account))


@dataclass
class Applied:
    """What a face shows after a run."""

    result: RunResult | None  # None: the user declined
    stats: dict[str, float] = field(default_factory=dict)
    report: Path | None = None
    interrupted: bool = False
    resumed: bool = False
    operator_gone: OperatorUnavailable | None = None  # the operator timeout ran out mid-run
    maybe_sent: bool = True
    # Why the report asked for could not be written (the run itself is finished, and
    # `show RUN_ID --report FILE` writes it later).
    report_error: str | None = None
    # Several accounts: their common exit code, else 3 (`holdings.common_exit_code`).
    code: int | None = None

    @property
    def exit_code(self) -> int:
        """The documented exit code of a run that happened (the user did not decline)."""
        if self.interrupted:
            return EXIT_INTERRUPTED
        if self.code is not None:
            return self.code
        if self.operator_gone is not None and not self.maybe_sent:
            return EXIT_OPERATOR
        assert self.result is not None
        if self.report_error is not None:
            return EXIT_ROWS_FAILED
        return self.result.exit_code


async def run_async(
    workspace: Workspace,
    account: str | None,
    spec: RunSpec,
    options: ExecuteOptions,
    progress: ProgressSink,
    confirm: Confirm,
    report: ReportRequest | None = None,
    saved: SavedPlan | None = None,
    *,
    require_approval: bool = False,
    started_by: str | None = None,
    stop: Stop | None = None,
) -> Applied:
    """One run, from connecting to the report. Stop signals (Ctrl-C, SIGTERM, SIGHUP)
    stop it tidily when this runs on the main thread.

    With `require_approval`, or when the home's four-eyes policy is on, a plan runs only
    with a maker's submission and another person's approval of its digest (exit 1,
    nothing sent, otherwise). Who started the run goes into the audit trail. `stop`: one
    given by a command that runs several accounts and owns the signals; None: this run
    arms its own."""
    # Stop signals are armed before anything else: a Ctrl-C or SIGTERM from the first
    # moment stops the run tidily (the journal is opened within, never before).
    armed = stop is None
    stop = stop or Stop()
    with signals_stop(stop, progress.stopping) if armed else contextlib.nullcontext():
        user = started_by or people.os_user()
        if saved is not None:
            check_plan_account(workspace, saved)
        required = require_approval or people.four_eyes_required(workspace)
        if saved is not None:
            check_plan_day(saved)
        if required and saved is not None:  # known before connecting: refuse at once
            _approval_gate(workspace, True, user)(GateCheck(saved.digest, False, None))
        spec = dataclasses.replace(
            spec, gate=_approval_gate(workspace, require_approval, user), requires_approval=required
        )
        written: list[Path] = []
        unwritten: list[str] = []

        def on_retry(exc: BaseException, _: float) -> None:
            progress.retrying(str(exc))

        connect_options = ConnectOptions(on_retry=on_retry, max_connections=options.concurrency + 2)
        async with workspace.operator(account, connect_options) as operator:
            if saved is not None:
                check_plan_target(saved, operator.account, operator.url)
            with workspace.journal() as journal:

                def finish(result: RunResult) -> None:
                    """The report, before the run is marked finished; one that cannot be
                    written leaves the run to finish all the same, and says so."""
                    if report is None:
                        return
                    try:
                        written.append(write_run_report(workspace, result, report, journal))
                    except StateError as exc:
                        unwritten.append(exc.message)
                        with contextlib.suppress(StateError):
                            journal.set_report(result.run_id, f"report not written: {exc.message}")

                outcome: RunOutcome = await run_apply(
                    operator, journal, spec, options, progress, confirm, stop, finish
                )
                _audit_run(journal, outcome, user)
    return Applied(
        outcome.result,
        dict(asdict(outcome.stats)),
        written[-1] if written else None,
        outcome.interrupted,
        outcome.resumed,
        outcome.operator_gone,
        outcome.maybe_sent,
        unwritten[-1] if unwritten else None,
    )


def _approval_gate(workspace: Workspace, flag: bool, user: str) -> Callable[[GateCheck], None]:
    """The four-eyes gate of every start and every resume: what is required is the
    stricter of what was required when the run started and what is required now (the
    flag given now, the home's policy now). A refusal is audited, and nothing is sent."""

    def gate(check: GateCheck) -> None:
        if not (flag or check.required_at_start or people.four_eyes_required(workspace)):
            return
        try:
            workspace.refuse_if_exposed()
            if check.digest is None:
                raise AccessDenied(said.RESUME_NOT_APPROVED(run=check.run_id or ""))
            people.require_approval(workspace, check.digest, check.schedule)
        except AccessDenied as exc:
            people.record_refusal(workspace, check.digest, check.run_id, user, exc.message)
            raise

    return gate


def check_plan_account(workspace: Workspace, saved: SavedPlan) -> None:
    """`QUOTABULK_ACCOUNT` names the account a command works on: a plan for another is
    refused, as `apply FILE` refuses a file naming another."""
    configured = workspace.settings.account
    if configured and configured != saved.account:
        raise ConfigError(
            said.PLAN_ACCOUNT_NOT_CONFIGURED(
                planned=saved.account, variable=ENV_ACCOUNT, configured=configured
            )
        )


def _audit_run(journal: Journal, outcome: RunOutcome, user: str) -> None:
    """Who started (or resumed) the run, beside the plan's submission and approval."""
    if outcome.result is None:
        return
    digest = journal.plan_digest_of(outcome.result.run_id)
    if digest is not None:
        detail = {"resumed": outcome.resumed}
        People(journal).record(Event.RUN, user, digest, outcome.result.run_id, detail)


def on_a_new_loop(
    function: Callable[P, Coroutine[Any, Any, T]],
) -> Callable[P, T]:
    """An async use case as a function that runs it on a new event loop (the CLI's way)."""

    @functools.wraps(function)
    def synchronous(*args: P.args, **kwargs: P.kwargs) -> T:
        return asyncio.run(function(*args, **kwargs))

    return synchronous


run = on_a_new_loop(run_async)
"""`run_async` on a new event loop: the CLI's way in (same arguments, same result)."""

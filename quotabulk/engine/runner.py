"""A whole apply: resume or plan, confirm, lock, journal, execute, verify, report.

The app layer gives it an operator, the journal, a `RunSpec` (what to plan from the
current state, and the plan's identity) and a `confirm` callback; it returns a
`RunOutcome`. Nothing here prints.

Order matters: the plan is shown and confirmed *before* the account's lock is taken (a
prompt left open holds nothing), and once the lock is held the journal is asked again
whether a run of the same identity started meanwhile: then this one joins it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from quotabulk.domain import messages as said
from quotabulk.domain.digest import plan_digest, schedule_key
from quotabulk.domain.errors import (
    EXIT_ROWS_FAILED,
    Interrupted,
    LockLost,
    OperatorUnavailable,
    StateError,
)
from quotabulk.domain.messages import Text
from quotabulk.domain.models import ActionKind, Subscriber
from quotabulk.domain.outcomes import Outcome, RunResult, RunStatus
from quotabulk.domain.requests import RequestStatus
from quotabulk.domain.running import (
    Confirm,
    ExecuteOptions,
    Finish,
    GateCheck,
    PlannedRun,
    ProgressSink,
    RunSpec,
)
from quotabulk.engine.copies import settle_copies
from quotabulk.engine.execute import ExecuteStats, Executor
from quotabulk.engine.keys import change_key, run_identity
from quotabulk.engine.lock import AccountLock
from quotabulk.engine.ratelimit import AdaptiveBucket
from quotabulk.engine.stepwise import StepwiseExecutor
from quotabulk.engine.stopping import Stop
from quotabulk.engine.verify import decide
from quotabulk.operator.port import Capabilities, Operator
from quotabulk.store.journal import Journal, JournalAction, NewAction, now_iso

IN_FLIGHT_LOOKBACK = timedelta(days=1)
# Beyond this many completed changes, verification lists the whole account instead of
# asking for each number (ten query calls cost about what ten full pages do).
READ_BACK_BY_NUMBER_UP_TO = 10_000
STOP_GRACE_S = 0.5  # how often a stopped piece of work is told again
T = TypeVar("T")


@dataclass
class RunOutcome:
    result: RunResult | None
    stats: ExecuteStats
    resumed: bool = False
    interrupted: bool = False
    # The operator timeout ran out mid-run: why, and whether anything may have been sent.
    operator_gone: OperatorUnavailable | None = None
    maybe_sent: bool = True


async def run_apply(
    operator: Operator,
    journal: Journal,
    spec: RunSpec,
    options: ExecuteOptions,
    progress: ProgressSink,
    confirm: Confirm,
    stop: Stop,
    finish: Finish | None = None,
) -> RunOutcome:
    """Run `spec`; `finish` (the report) is called with the result before the run is
    marked finished, so a kill in between leaves a run that the rerun completes."""
    stats = ExecuteStats()
    # The run's rate limit is the engine's: every call of the operator keeps to it (the
    # listing, sends, retries and polls alike), and a throttled answer slows it down.
    operator.pace_with(AdaptiveBucket(options.rate_limit, per_minute=options.per_minute))
    identity = run_identity(operator.account, operator.url, spec.plan_key)
    planned: PlannedRun | None = None
    digest: str | None = None
    busy: dict[str, str] = {}
    run_id = journal.resumable_run(identity)
    if run_id is not None:
        _gate(spec, journal, run_id)
        if not confirm(None, journal.run(run_id)):
            return RunOutcome(None, stats, resumed=True)
    else:
        # The state is read while the history is checked for requests in flight; when
        # there were some, it is read again after waiting for them.
        listing = asyncio.ensure_future(operator.subscribers())
        try:
            wait = _wait_for_foreign_requests(operator, spec.msisdns, options.wait_s, stop)
            busy, waited = await _unless_stopped(stop, wait)
            current = await _unless_stopped(stop, listing)
        finally:
            if not listing.done():
                listing.cancel()
            elif not listing.cancelled():
                listing.exception()  # seen, so never reported as "never retrieved"
        if waited:
            current = await _unless_stopped(stop, operator.subscribers())
        rules = await _unless_stopped(stop, operator.quota_rules())
        planned = spec.build(current, rules)
        plan_ = planned.plan
        digest = plan_digest(
            operator.account, operator.url, plan_.actions, plan_.day, plan_.schedule
        )
        if spec.gate is not None:
            key = schedule_key(plan_.schedule, operator.account, operator.url)
            spec.gate(GateCheck(digest, False, None, key))
        if not confirm(planned, None):
            return RunOutcome(None, stats)
    if stop.is_set():
        raise Interrupted("interrupted before anything was sent")
    label = f"{spec.command} {' '.join(spec.inputs)}"
    with AccountLock(journal, operator.account, label) as lock:
        joined = journal.resumable_run(identity)
        if joined is None and planned is None:  # the run we meant to resume ended meanwhile
            assert run_id is not None
            return RunOutcome(journal.run(run_id), stats, resumed=True)
        resumed = joined is not None
        if joined is not None:  # held by us now: what runs is that run, checked as such
            _gate(spec, journal, joined)
        else:
            assert planned is not None
            actions = _journal_rows(operator.account, planned, busy)
            joined = journal.create_run(
                operator.account,
                identity,
                spec.command,
                operator.url,
                spec.inputs,
                actions,
                plan_digest=digest,
                requires_approval=spec.requires_approval,
            )
        try:
            return await _execute(
                operator, journal, joined, options, progress, stop, lock, stats, finish, resumed
            )
        except StateError as exc:
            if exc.exit_code == EXIT_ROWS_FAILED or exc.nothing_sent:  # said already
                raise
            raise exc.after_sending() from None


def _executor_for(capabilities: Capabilities) -> type[Executor]:
    """Idempotent submits and one-request edits: re-send with the same key. Without
    them: look before sending again, and edit in two steps."""
    if capabilities.idempotent_submits and capabilities.native_edit:
        return Executor
    return StepwiseExecutor


def _gate(spec: RunSpec, journal: Journal, run_id: str) -> None:
    if spec.gate is not None:
        check = GateCheck(journal.plan_digest_of(run_id), journal.requires_approval(run_id), run_id)
        spec.gate(check)


async def _execute(
    operator: Operator,
    journal: Journal,
    run_id: str,
    options: ExecuteOptions,
    progress: ProgressSink,
    stop: Stop,
    lock: AccountLock,
    stats: ExecuteStats,
    finish: Finish | None,
    resumed: bool,
) -> RunOutcome:
    journal.set_run_status(run_id, RunStatus.RUNNING)
    chosen = _executor_for(operator.capabilities)
    executor = chosen(operator, journal, run_id, options, progress, stop, lock.lost)
    executor.stats = stats
    actions = journal.actions(run_id)
    await executor.run(actions)
    if executor.journal_failed is not None:
        failed = executor.journal_failed
        if executor.maybe_sent or any(a.request_id for a in actions):
            raise failed.after_sending()
        failed.nothing_sent = True
        raise failed
    if lock.lost.is_set():
        # Another process took the account's lock over (this one looked dead to it): the
        # run is that process's now. Nothing of it is rewritten here — not its status, not
        # its report — and this process says so and ends.
        raise LockLost(said.LOCK_LOST(run=run_id))
    if stop.is_set():
        journal.set_run_status(run_id, RunStatus.INTERRUPTED)
        result = journal.run(run_id)
        if finish is not None:
            finish(result)
        return RunOutcome(result, stats, resumed, interrupted=True)
    gone = executor.gone
    journaled = journal.actions(run_id)
    decided: list[tuple[int, Outcome, Text | str | None]] = []
    if any(a.open for a in journaled):
        current = None
        if gone is None:
            try:
                current = await _read_back(operator, journaled)
            except OperatorUnavailable as exc:
                gone = exc
        decided = decide(journaled, current)
        if current is not None and not operator.capabilities.idempotent_submits:
            decided = await settle_copies(
                operator, journal, run_id, options, journaled, current, decided
            )
        journal.record_outcomes(run_id, decided)
    keyed = {a.seq for a in journaled if a.idem_key}
    still_open = any(seq in keyed and not outcome.settled for seq, outcome, _ in decided)
    status = RunStatus.PENDING if still_open else RunStatus.FINISHED
    ended = None if still_open else now_iso()
    # The report shows the status and end the journal is about to record; the run is
    # read back once (a thousand rows take ~50 ms).
    result = dataclasses.replace(journal.run(run_id), status=status, finished_at=ended)
    if finish is not None:
        finish(result)
    journal.set_run_status(run_id, status, finished=not still_open, at=ended)
    sent = executor.maybe_sent or any(a.request_id for a in journaled)
    return RunOutcome(result, stats, resumed, False, gone, sent)


async def _read_back(
    operator: Operator, journaled: Sequence[JournalAction]
) -> dict[str, Subscriber]:
    """The subscribers whose requests completed, to verify them: only those, by number,
    when they are few (a nightly run of 300 changes on a 100 000-number account reads
    300, not ten pages); the whole account when that is fewer calls."""
    completed = [
        a.msisdn for a in journaled if a.open and a.request_status is RequestStatus.COMPLETED
    ]
    if not completed:
        return {}
    if len(completed) > READ_BACK_BY_NUMBER_UP_TO:
        return await operator.subscribers()
    return await operator.subscribers_of(completed)


async def _unless_stopped(stop: Stop, work: Awaitable[T]) -> T:
    """`work`, cut short (retry waits included) when a stop signal comes first."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.event.wait())
    try:
        await asyncio.wait([task, stopped], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if not task.done():
        # Cancelled until it is done: a cancel that lands as a call ends may be lost
        # (asyncio.wait_for on 3.11), and the work would then run on to its timeout.
        while not task.done():
            task.cancel()
            await asyncio.wait([task], timeout=STOP_GRACE_S)
        with contextlib.suppress(asyncio.CancelledError, Exception):
            task.result()
        raise Interrupted("interrupted before anything was sent")
    return task.result()


def _journal_rows(account: str, planned: PlannedRun, busy: dict[str, str]) -> list[NewAction]:
    rows = []
    for action in planned.plan.actions:
        if action.kind is ActionKind.UNCHANGED:
            rows.append(NewAction.settled(action, Outcome.UNCHANGED, None))
        elif action.msisdn in busy:
            note = (
                f"request {busy[action.msisdn]} is still in flight at the operator; run again later"
            )
            rows.append(NewAction.settled(action, Outcome.PENDING, note))
        else:
            key = change_key(account, action.msisdn, action.version, action.after, action.period)
            rows.append(NewAction.change(action, key))
    rows.extend(NewAction.invalid(row) for row in planned.invalid)
    rows.extend(NewAction.set_aside(s) for s in planned.skipped)
    return rows


async def _wait_for_foreign_requests(
    operator: Operator, msisdns: Iterable[str], wait_s: float, stop: Stop
) -> tuple[dict[str, str], bool]:
    """Requests already in flight for our subscribers (another tool, an abandoned run):
    wait for them, so a subscriber never gets a second request for one change. Returns
    those still in flight when the wait ran out, and whether there were any at all."""
    wanted = set(msisdns)
    since = datetime.now(UTC) - IN_FLIGHT_LOOKBACK
    history = await operator.history(since=since)
    open_ids = {
        r.request_id: r.msisdn for r in history if r.msisdn in wanted and not r.status.final
    }
    waited = bool(open_ids)
    deadline = asyncio.get_running_loop().time() + wait_s
    pause = 1.0
    while open_ids and asyncio.get_running_loop().time() < deadline and not stop.is_set():
        await asyncio.sleep(pause)
        pause = min(pause * 1.5, 10.0)
        for request in await operator.statuses(list(open_ids)):
            if request.status.final:
                open_ids.pop(request.request_id, None)
    return {msisdn: request_id for request_id, msisdn in open_ids.items()}, waited

"""A whole apply: lock, resume or plan, journal, execute, verify. Returns a `RunResult`.

The command layer gives it a `RunSpec` (what to plan, from the current state) and a
`confirm` callback (which shows the plan and asks); everything else happens here.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import signal
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from quotabulk.config import Settings
from quotabulk.domain.errors import Interrupted
from quotabulk.domain.models import ActionKind, InvalidRow, Quota, Subscriber
from quotabulk.domain.outcomes import Outcome, RunResult
from quotabulk.domain.plan import Plan
from quotabulk.engine.execute import FINAL, ExecuteOptions, ExecuteStats, Executor, ProgressSink
from quotabulk.engine.lock import account_lock
from quotabulk.engine.ratelimit import AdaptiveBucket
from quotabulk.engine.verify import decide
from quotabulk.operator.connect import connect
from quotabulk.operator.http.client import OperatorClient
from quotabulk.store.journal import Journal, NewAction, new_run_id

IN_FLIGHT_LOOKBACK = timedelta(days=1)


@dataclass(frozen=True)
class PlannedRun:
    """A plan ready to journal, with the input rows that are reported as invalid."""

    plan: Plan
    invalid: Sequence[InvalidRow] = ()


@dataclass(frozen=True)
class RunSpec:
    command: str
    inputs: tuple[str, ...]
    fingerprint: str
    build: Callable[[dict[str, Subscriber]], PlannedRun]
    msisdns: frozenset[str] = field(default_factory=frozenset)


Confirm = Callable[[PlannedRun | None, RunResult | None], bool]


@dataclass
class RunOutcome:
    result: RunResult | None
    stats: ExecuteStats
    resumed: bool = False


def idempotency_key(account: str, run_id: str, msisdn: str, kind: str, after: Quota | None) -> str:
    """Deterministic for (account, msisdn, action, target quota, run)."""
    target = json.dumps(None if after is None else after.to_json(), sort_keys=True)
    digest = hashlib.sha256(f"{account}|{run_id}|{msisdn}|{kind}|{target}".encode()).hexdigest()
    return f"qb-{digest[:40]}"


def fingerprint(*parts: object) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode())
        digest.update(b"\x00")
    return digest.hexdigest()[:32]


async def run_apply(
    settings: Settings,
    account: str | None,
    spec: RunSpec,
    options: ExecuteOptions,
    progress: ProgressSink,
    confirm: Confirm,
) -> RunOutcome:
    journal = Journal(settings.home / "journal.db")
    bucket = AdaptiveBucket(options.rate_limit)
    stats = ExecuteStats()

    def on_retry(exc: BaseException, _: float) -> None:
        stats.retries += 1
        if getattr(exc, "status", None) == 429:
            bucket.slow_down()
        progress.retrying(str(exc))

    try:
        async with connect(
            settings,
            account,
            on_retry=on_retry,
            throttle=bucket.take,
            max_connections=options.concurrency + 2,
        ) as client:
            label = f"{spec.command} {' '.join(spec.inputs)}"[:200]
            async with account_lock(journal, client.account, label):
                return await _locked_run(client, journal, spec, options, progress, confirm, stats)
    finally:
        journal.close()


async def _locked_run(
    client: OperatorClient,
    journal: Journal,
    spec: RunSpec,
    options: ExecuteOptions,
    progress: ProgressSink,
    confirm: Confirm,
    stats: ExecuteStats,
) -> RunOutcome:
    account = client.account
    run_fingerprint = fingerprint(account, spec.fingerprint)
    run_id = journal.resumable_run(account, run_fingerprint)
    resumed = run_id is not None
    if run_id is not None:
        if not confirm(None, journal.run(run_id)):
            return RunOutcome(None, stats, resumed=True)
        journal.set_run_status(run_id, "running")
    else:
        busy = await _wait_for_foreign_requests(client, spec.msisdns, options.wait_s)
        planned = spec.build(await client.subscribers())
        if not confirm(planned, None):
            return RunOutcome(None, stats)
        run_id = new_run_id()
        actions = _journal_rows(account, run_id, planned, busy)
        url = str(client.http.base_url)
        journal.create_run(
            account, run_fingerprint, spec.command, url, spec.inputs, actions, run_id
        )
    stop = asyncio.Event()
    executor = Executor(client, journal, run_id, options, progress, stop)
    executor.stats = stats
    with _first_ctrl_c_stops(stop):
        await executor.run(journal.actions(run_id))
    if stop.is_set():
        journal.set_run_status(run_id, "interrupted")
        raise Interrupted(
            f"interrupted; run {run_id} is journaled and the same command continues it"
        )
    journaled = journal.actions(run_id)
    if any(a.open for a in journaled):
        journal.record_outcomes(run_id, decide(journaled, await client.subscribers()))
    still_open = any(a.open and a.idem_key for a in journal.actions(run_id))
    journal.set_run_status(run_id, "pending" if still_open else "finished", finished=not still_open)
    return RunOutcome(journal.run(run_id), stats, resumed)


def _journal_rows(
    account: str, run_id: str, planned: PlannedRun, busy: dict[str, str]
) -> list[NewAction]:
    rows = []
    for action in planned.plan.actions:
        row = NewAction(
            action.source,
            action.msisdn,
            action.kind.value,
            action.before,
            action.after,
            extras=action.extras,
        )
        if action.kind is ActionKind.UNCHANGED:
            row = replace(row, outcome=Outcome.UNCHANGED)
        elif action.msisdn in busy:
            note = (
                f"request {busy[action.msisdn]} is still in flight at the operator; run again later"
            )
            row = replace(row, outcome=Outcome.PENDING, error=note)
        else:
            key = idempotency_key(account, run_id, action.msisdn, row.kind, action.after)
            row = replace(row, idem_key=key)
        rows.append(row)
    for invalid in planned.invalid:
        rows.append(
            NewAction(
                invalid.source,
                invalid.msisdn,
                "invalid",
                None,
                None,
                outcome=Outcome.INVALID,
                error=invalid.message,
                extras=tuple(invalid.extras.items()),
            )
        )
    return rows


async def _wait_for_foreign_requests(
    client: OperatorClient, msisdns: Iterable[str], wait_s: float
) -> dict[str, str]:
    """Requests already in flight for our subscribers (another tool, an abandoned run):
    wait for them, so a subscriber never gets a second request for one change. Returns
    those still in flight when the wait ran out."""
    wanted = set(msisdns)
    since = datetime.now(UTC) - IN_FLIGHT_LOOKBACK
    history = await client.history(since=since)
    open_ids = {
        r.request_id: r.msisdn
        for r in history
        if r.msisdn in wanted and r.status.value not in FINAL
    }
    deadline = asyncio.get_running_loop().time() + wait_s
    pause = 1.0
    while open_ids and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(pause)
        pause = min(pause * 1.5, 10.0)
        for request in await client.statuses(list(open_ids)):
            if request.status.value in FINAL:
                open_ids.pop(request.request_id, None)
    return {msisdn: request_id for request_id, msisdn in open_ids.items()}


@contextmanager
def _first_ctrl_c_stops(stop: asyncio.Event) -> Iterator[None]:
    """First Ctrl-C: stop sending and finish the bookkeeping. Second: abort at once."""
    loop = asyncio.get_running_loop()
    installed = False

    def first() -> None:
        nonlocal installed
        stop.set()
        loop.remove_signal_handler(signal.SIGINT)
        installed = False
        signal.signal(signal.SIGINT, signal.default_int_handler)

    try:
        loop.add_signal_handler(signal.SIGINT, first)
        installed = True
    except (NotImplementedError, RuntimeError, ValueError):
        pass  # not the main thread (the web console): Ctrl-C belongs to the server
    try:
        yield
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGINT)

"""Send each journaled action to the operator once, concurrently and rate limited, and
poll the request numbers in batches until they are final or the wait runs out.

Exactly-once rests on two things: every action's change-keyed idempotency key is in the
journal before its request is sent, and a re-send (after a lost answer, a crash or a
kill) uses that same key, which an operator with idempotent submits answers with the
original request. Where the operator offers conditional writes, each submit carries the
subscriber version the change was planned against: a subscriber changed by someone
else meanwhile is refused (`StaleVersion`) and reported `conflict`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from quotabulk.domain import messages as said
from quotabulk.domain.errors import (
    ApiError,
    ApiStatusError,
    ApiTransportError,
    OperatorUnavailable,
    RequestInFlight,
    StaleVersion,
    StateError,
)
from quotabulk.domain.messages import Text
from quotabulk.domain.outcomes import Outcome
from quotabulk.domain.requests import Operation, Request
from quotabulk.domain.running import ExecuteOptions, ProgressSink
from quotabulk.engine.stopping import Stop
from quotabulk.logs import get_logger
from quotabulk.operator.port import Operator
from quotabulk.store.journal import Journal, JournalAction

# Polled this long after the last request should have become final: the operator's
# clock and ours tick apart by the network's latency.
TAIL_MARGIN_S = 0.01
LOCK_WATCH_S = 0.5  # how soon a lock taken over by another process stops this run

CONFLICT_NOTE = said.CHANGED_SINCE_PLAN()


@dataclass
class ExecuteStats:
    sent: int = 0
    status_calls: int = 0
    retries: int = 0
    sending_s: float = 0.0  # from the first send to the last answer
    following_s: float = 0.0  # from the last answer until every request was final


class Executor:
    def __init__(
        self,
        operator: Operator,
        journal: Journal,
        run_id: str,
        options: ExecuteOptions,
        progress: ProgressSink,
        stop: Stop,
        lock_lost: threading.Event | None = None,
    ) -> None:
        self.operator = operator
        self.journal = journal
        self.run_id = run_id
        self.options = options
        self.progress = progress
        self.stop = stop
        self.lock_lost = lock_lost or threading.Event()
        self.stats = ExecuteStats()
        self.log = get_logger(run_id=run_id)
        self._sources: dict[int, tuple[str, str]] = {}  # seq → (source, msisdn), for log lines
        self._open: dict[str, int] = {}  # request id → action seq, not final yet
        self._sending_done = asyncio.Event()
        self._last_send = time.monotonic()
        # Set when the operator timeout ran out: nothing more is tried in this run.
        self.gone: OperatorUnavailable | None = None
        # A submit that got a number, or left the process unanswered, may have changed
        # a quota: then the run cannot say "nothing was sent".
        self.maybe_sent = False
        # The longest the operator took to make a request final, by its own clock
        # (updated_at - created_at): when the last request sent should be final.
        self._processing_s: float | None = None
        # Sends begun and numbers learned, journaled together once per loop tick.
        self._sending: list[int] = []
        self._numbered: list[tuple[int, str, str]] = []
        # The write of this tick's marks, which every send begun in the tick awaits: no
        # request leaves before its "sending" mark is in the journal.
        self._flushed: asyncio.Future[None] | None = None
        # Set when a journal write failed (a full disk, a damaged file): nothing more is
        # sent, and the run ends with that sentence.
        self.journal_failed: StateError | None = None
        self._work: asyncio.Future[Any] | None = None

    def _stopped(self) -> bool:
        return self.stop.is_set() or self.lock_lost.is_set() or self.journal_failed is not None

    async def run(self, actions: Sequence[JournalAction]) -> None:
        """Send what is unsent, follow what is open; return when all is final, the wait
        ran out, or `stop` was set (then at once: sends in flight and retry waits are
        cancelled; their rows stay open with their keys for the next run)."""
        self._sources = {a.seq: (a.source, a.msisdn) for a in actions}
        work = self._work_on(actions)
        watch = asyncio.ensure_future(self._watch_lock(work))
        self.stop.on_stop(work.cancel)
        if self._stopped():
            work.cancel()
        self._work = work
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await work
        except StateError as exc:  # an outcome or a status could not be journaled
            self._journal_broke(exc)
        finally:
            if self.journal_failed is None:
                with contextlib.suppress(StateError):
                    self._flush()
            watch.cancel()
            if self._sending_done.is_set():
                self.stats.following_s = round(time.monotonic() - self._last_send, 3)

    def _work_on(self, actions: Sequence[JournalAction]) -> asyncio.Future[Any]:
        """Send what is unsent, poll what is open, at once."""
        to_send = [a for a in actions if a.open and a.idem_key and a.request_id is None]
        for a in actions:
            if a.open and a.request_id and not (a.request_status and a.request_status.final):
                self._open[a.request_id] = a.seq
        self.progress.begin(len(to_send), len(self._open))
        started = time.monotonic()
        return asyncio.gather(self._poll(), self._send_then_mark(to_send, started))

    async def _watch_lock(self, work: asyncio.Future[Any]) -> None:
        """The lock's heartbeat thread notices a takeover; every wait here ends with it."""
        while not self.lock_lost.is_set():
            await asyncio.sleep(LOCK_WATCH_S)
        work.cancel()

    def _counted_sent(self) -> None:
        """A request left and was answered with its number: counted and shown."""
        self.maybe_sent = True
        self.stats.sent += 1
        self._last_send = time.monotonic()
        self.progress.sent()

    def _journal_soon(self) -> asyncio.Future[None]:
        """This tick's marks and numbers are written once the tick's sends have queued
        theirs: one transaction for all of them, which each send awaits."""
        if self._flushed is None:
            self._flushed = asyncio.get_running_loop().create_future()
            asyncio.get_running_loop().call_soon(self._flush_soon)
        return self._flushed

    def _flush_soon(self) -> None:
        flushed, self._flushed = self._flushed, None
        try:
            self._flush()
        except StateError as exc:
            self._journal_broke(exc)
            if flushed is not None and not flushed.done():
                flushed.set_exception(exc)
                flushed.exception()  # retrieved: the sends awaiting it say so themselves
            return
        if flushed is not None and not flushed.done():
            flushed.set_result(None)

    def _journal_broke(self, exc: StateError) -> None:
        """A journal write failed: send nothing more, cut every wait, end the run."""
        if self.journal_failed is None:
            self.journal_failed = exc
            self.log.error("journal write failed", error=exc.message)
            if self._work is not None:
                self._work.cancel()

    def _flush(self) -> None:
        """Write what this tick learned; before any other journal write, so the journal
        never sees an outcome before the number it belongs to."""
        if self._sending or self._numbered:
            sending, self._sending = self._sending, []
            numbered, self._numbered = self._numbered, []
            self.journal.record_progress(self.run_id, sending, numbered)

    async def _send_then_mark(self, to_send: Sequence[JournalAction], started: float) -> None:
        try:
            await self._send_all(to_send)
        finally:
            self._sending_done.set()
            self._last_send = time.monotonic()
            self.stats.sending_s = round(self._last_send - started, 3)

    async def _send_all(self, actions: Sequence[JournalAction]) -> None:
        gate = asyncio.Semaphore(self.options.concurrency)

        async def one(action: JournalAction) -> None:
            async with gate:
                if not self._stopped() and self.gone is None:
                    await self._send(action)

        await asyncio.gather(*(one(action) for action in actions))

    async def _send(self, action: JournalAction) -> None:
        assert action.idem_key is not None
        self._sending.append(action.seq)
        marked = self._journal_soon()
        try:
            await asyncio.shield(marked)  # durable before the request leaves the process
        except StateError:
            return  # the run ends; this action stays unsent, with its key, for the rerun
        if self._stopped():
            return
        try:
            request = await self._submit(action)
        except StaleVersion as exc:
            self._refused(action, Outcome.CONFLICT, CONFLICT_NOTE, exc)
            return
        except ApiStatusError as exc:
            if exc.retryable:  # retries ran out: the row stays open for the next run
                self._unanswered(action, exc.message)
            else:
                self._refused(action, Outcome.FAILED, exc.detail, exc)
            return
        except ApiError as exc:
            # No answer within the operator timeout: the request may exist. The next run
            # re-sends with the same key and learns its number.
            if isinstance(exc, OperatorUnavailable):
                self.gone = exc
                self.maybe_sent |= isinstance(exc.last, ApiTransportError)
            else:
                self.maybe_sent |= isinstance(exc, ApiTransportError)
            self._unanswered(action, exc.message)
            return
        if request is None:
            return  # stopped while waiting for another request to finish
        self._counted_sent()
        self._numbered.append((action.seq, request.request_id, request.status.value))
        self._journal_soon()
        self.log.info(
            "request sent",
            msisdn=action.msisdn,
            source=action.source,
            request_id=request.request_id,
            status=request.status.value,
        )
        if request.status.final:
            self._finished([(action.seq, request.status.value, request.reason)])
        else:
            self._open[request.request_id] = action.seq

    async def _submit(self, action: JournalAction) -> Request | None:
        """Submit; while another request for the subscriber is in flight, wait for it and
        submit again: the planned version then tells whether it changed what we planned on."""
        pause = self.options.poll_first_s
        deadline = time.monotonic() + self.options.wait_s
        conditional = self.operator.capabilities.conditional_writes
        while True:
            try:
                return await self.operator.submit(
                    action.msisdn,
                    Operation(action.kind.value),
                    action.after,
                    action.idem_key or "",
                    if_match=action.version if conditional else None,
                )
            except RequestInFlight:
                if time.monotonic() + pause > deadline:
                    raise
            self.progress.retrying(f"{action.msisdn}: waiting for a request already in flight")
            await asyncio.sleep(pause)
            if self._stopped():
                return None
            pause = min(self.options.poll_max_s, pause * 1.5)

    def _refused(
        self, action: JournalAction, outcome: Outcome, note: Text | str, exc: ApiStatusError
    ) -> None:
        self._flush()
        self.journal.record_outcome(self.run_id, action.seq, outcome, note)
        self.progress.failed(f"{action.msisdn}: {note}")
        self.log.warning(
            "request refused",
            msisdn=action.msisdn,
            source=action.source,
            code=exc.code,
            error=exc.detail,
        )

    def _unanswered(self, action: JournalAction, message: str) -> None:
        note = said.NO_ANSWER(detail=message)
        self._flush()
        self.journal.record_outcome(self.run_id, action.seq, Outcome.PENDING, note)
        self.progress.failed(f"{action.msisdn}: {message}")
        self.log.warning("no answer", msisdn=action.msisdn, source=action.source, error=message)

    async def _poll(self) -> None:
        pause = self.options.poll_first_s
        while True:
            done = self._sending_done.is_set()
            if (not self._open and done) or self.gone is not None:
                return
            if done and time.monotonic() - self._last_send > self.options.wait_s:
                return  # what is still open stays pending, with its number, for the next run
            if done:
                await asyncio.sleep(self._tail_pause(pause))
            else:
                await _wait_or_timeout(self._sending_done, pause)
                if not self._open:
                    continue
            changed = await self._poll_once()
            backed_off = min(self.options.poll_max_s, pause * 1.5)
            # While sending, every status call takes a send's place under the rate limit,
            # so the polls thin out whatever they find (the sends are the progress then);
            # after the last send they are all that is left, and find the last answers.
            pause = self.options.poll_tail_s if done and changed else backed_off

    def _tail_pause(self, pause: float) -> float:
        """Just after the last send only the last few requests are open, and they are final
        within the operator's processing time: look once when the last one should be
        final (by the processing times seen so far), then often for a few seconds (a
        handful of calls), then back off as usual."""
        since = time.monotonic() - self._last_send
        if since >= self.options.tail_s:
            return pause
        if self._processing_s is not None:
            due = self._processing_s + TAIL_MARGIN_S - since
            if due > 0:
                return due  # nothing sent last can be final before
        return self.options.poll_tail_s

    def _learn_processing(self, final: Sequence[Request]) -> None:
        for r in final:
            took = (r.updated_at - r.created_at).total_seconds()
            if 0 <= took <= self.options.tail_s:
                self._processing_s = max(self._processing_s or 0.0, took)

    async def _poll_once(self) -> bool:
        ids = list(self._open)
        try:
            batch = self.operator.capabilities.status_batch
            self.stats.status_calls += -(-len(ids) // batch)
            found = await self.operator.statuses(ids)
        except ApiError as exc:
            if isinstance(exc, OperatorUnavailable):
                self.gone = exc
            self.progress.retrying(f"status poll failed: {exc.message}")
            self.log.warning("status poll failed", error=exc.message)
            return False
        final = [r for r in found if r.request_id in self._open and r.status.final]
        self._learn_processing(final)
        for r in final:
            source, msisdn = self._sources.get(self._open[r.request_id], ("", r.msisdn))
            self.log.info(
                "request final",
                msisdn=msisdn,
                source=source,
                request_id=r.request_id,
                status=r.status.value,
                reason=r.reason,
            )
        self._finished([(self._open[r.request_id], r.status.value, r.reason) for r in final])
        return bool(final)

    def _finished(self, final: Sequence[tuple[int, str, str | None]]) -> None:
        if not final:
            return
        self._flush()
        self.journal.record_statuses(self.run_id, final)
        done = {seq for seq, _, _ in final}
        for request_id, seq in list(self._open.items()):
            if seq in done:
                del self._open[request_id]
        for _, status, _ in final:
            self.progress.finished(status)


async def _wait_or_timeout(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout=seconds)

"""Exactly-once against an operator that offers no idempotency key, no versions, one
status call per event and edits as two requests (`mts-business`).

What keeps a change single here is the journal and looking before sending again:
- a send whose answer was lost (`AnswerLost`) is never repeated blindly: the number is
  read back until the change shows up (then it is done, without a request number) or
  until a request sent then would surely be final — twice the slowest processing the
  operator has shown in this run, and never longer than `--wait` — and only then is it
  sent again. An operator slower than anything it showed can still make a copy; the
  read-back names it (`engine.copies`).
- an edit is a removal of the old rule, then — once the removal is completed — a
  connect of the new one, journaled as two steps of one row.
- before anything is sent the numbers are read once more and compared with the plan's
  `before`: a number changed since is a `conflict`, and nothing is sent for it.
- the call budget is the limit: one read of the account shows which changes landed;
  only a change that does not show up is asked about by its own status call.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Mapping, Sequence
from typing import Any

from quotabulk.domain import messages as said
from quotabulk.domain.errors import (
    AnswerLost,
    ApiError,
    ApiStatusError,
    OperatorUnavailable,
    StateError,
)
from quotabulk.domain.models import ActionKind, Quota, Subscriber, quota_text
from quotabulk.domain.outcomes import Outcome
from quotabulk.domain.requests import Operation, RequestStatus
from quotabulk.engine.execute import Executor
from quotabulk.store.journal import JournalAction

# A lost answer's change is looked for this many times the slowest processing seen.
PROBE_FACTOR = 2.0
PROBE_MARGIN_S = 1.0


def held_quotas(subscriber: Subscriber | None) -> list[Quota]:
    if subscriber is None:
        return []
    return ([subscriber.quota] if subscriber.quota else []) + list(subscriber.copies)


def removing(action: JournalAction) -> bool:
    """Whether the step in progress removes the old rule (a delete, an edit's first)."""
    if action.kind is ActionKind.DELETE:
        return True
    return action.kind is ActionKind.EDIT and action.removal_status is not RequestStatus.COMPLETED


def step_id(action: JournalAction) -> str | None:
    if action.kind is ActionKind.EDIT and removing(action):
        return action.removal_id
    return action.request_id


def visible(action: JournalAction, current: Mapping[str, Subscriber]) -> bool:
    """Whether the operator shows the step in progress done."""
    held = held_quotas(current.get(action.msisdn))
    if removing(action):
        return action.before not in held
    return action.after in held


class StepwiseExecutor(Executor):
    """Sends, follows and, after a lost answer, looks before it sends again."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._queue: asyncio.Queue[JournalAction] = asyncio.Queue()
        self._actions: dict[int, JournalAction] = {}
        self._following: dict[int, float] = {}  # seq → when its step was sent (epoch)
        self._asked: dict[int, float] = {}  # seq → when its status was last asked
        self._unknown: dict[int, float] = {}  # seq → when a send got no answer
        # seq → when a lost answer's change, since found in place, was sent: looked at
        # until a request sent then would surely be final, so that the read-back sees a
        # copy our own lost send may still make (another run's change can look like ours).
        self._settling: dict[int, float] = {}
        self._sending_now = 0
        self._slowest: float | None = None

    def _work_on(self, actions: Sequence[JournalAction]) -> asyncio.Future[Any]:
        self._actions = {a.seq: a for a in actions if a.open}
        self._slowest = self.journal.slowest(self.run_id)
        self._sending_done.set()  # the base's follow-up timing: sends end as steps do
        return asyncio.ensure_future(self._drive())

    # -- the run ----------------------------------------------------------------------------

    async def _drive(self) -> None:
        to_send: list[JournalAction] = []
        now = time.time()
        for a in self._actions.values():
            if not removing(a) and a.request_status is not None and a.request_status.final:
                continue  # done; the read-back decides it
            if step_id(a):
                self._following[a.seq] = a.sent_at or now
            elif a.sent_at is not None:
                self._unknown[a.seq] = a.sent_at
            else:
                to_send.append(a)
        # An edit not yet begun is two sends: the removal, then the connect.
        sends = sum(2 if a.kind is ActionKind.EDIT and removing(a) else 1 for a in to_send)
        self.progress.begin(sends, len(self._following) + len(self._unknown))
        if to_send or self._unknown:
            current = await self._read([*to_send, *(self._actions[s] for s in self._unknown)])
            if current is None:
                return
            to_send = [a for a in to_send if self._unchanged_since_plan(a, current)]
            self._look_for_lost(current, time.time())
        workers = [asyncio.ensure_future(self._worker()) for _ in range(self.options.concurrency)]
        for a in to_send:
            self._queue.put_nowait(a)
        try:
            await self._follow()
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    def _unchanged_since_plan(self, a: JournalAction, current: Mapping[str, Subscriber]) -> bool:
        """This operator has no versions: a number whose rules are not what the plan saw
        was changed by someone else, and gets nothing from this run."""
        if a.kind is ActionKind.EDIT and a.removal_status is RequestStatus.COMPLETED:
            return True  # our own first step changed it
        subscriber = current.get(a.msisdn)
        if subscriber is None or (subscriber.quota == a.before and not subscriber.copies):
            return True
        note = said.CHANGED_BEFORE_SENDING(
            held=quota_text(subscriber.quota), planned=quota_text(a.before)
        )
        self._flush()
        self.journal.record_outcome(self.run_id, a.seq, Outcome.CONFLICT, note)
        self.progress.failed(f"{a.msisdn}: {note}")
        return False

    async def _worker(self) -> None:
        while True:
            action = await self._queue.get()
            self._sending_now += 1
            try:
                if not self._stopped() and self.gone is None:
                    await self._send_step(action)
            finally:
                self._sending_now -= 1

    @property
    def _busy(self) -> bool:
        return not self._queue.empty() or self._sending_now > 0

    async def _follow(self) -> None:
        pause = self.options.poll_first_s
        while self._busy or self._following or self._unknown or self._settling:
            if self.gone is not None or self._stopped():
                return
            idle = time.monotonic() - self._last_send
            if not self._busy and not self._unknown and idle > self.options.wait_s:
                return  # what is still open stays pending, with its number
            await asyncio.sleep(pause)
            self._settled(time.time())
            if self._following or self._unknown:
                progressed = await self._look()
                pause = self.options.poll_first_s if progressed else pause * 1.5
                pause = min(self.options.poll_max_s, pause)

    # -- sending ----------------------------------------------------------------------------

    async def _send_step(self, a: JournalAction) -> None:
        self._sending.append(a.seq)
        try:
            await asyncio.shield(self._journal_soon())
        except StateError:
            return
        if self._stopped():
            return
        first = removing(a)
        operation = Operation.DELETE if first else Operation.ADD
        sent = time.time()
        try:
            request = await self.operator.submit(
                a.msisdn,
                operation,
                None if first else a.after,
                a.idem_key or "",
                before=a.before if first else None,
            )
        except AnswerLost as exc:
            self.maybe_sent = True
            self._flush()
            self.journal.record_lost(self.run_id, a.seq, exc.message)
            self._unknown[a.seq] = sent
            self.progress.retrying(f"{a.msisdn}: {exc.message}; looking whether it took effect")
            return
        except ApiStatusError as exc:
            if exc.retryable:
                self._unanswered(a, exc.message)
            else:
                self._step_failed(a, exc.detail, None)
            return
        except ApiError as exc:
            if isinstance(exc, OperatorUnavailable):
                self.gone = exc
            self._unanswered(a, exc.message)
            return
        self._counted_sent()
        self.log.info(
            "request sent",
            msisdn=a.msisdn,
            source=a.source,
            request_id=request.request_id,
            step="removal" if first and a.kind is ActionKind.EDIT else "change",
        )
        self._flush()
        if first and a.kind is ActionKind.EDIT:
            self.journal.record_removal(
                self.run_id, a.seq, request.request_id, RequestStatus.IN_PROGRESS
            )
            a = dataclasses.replace(
                a, removal_id=request.request_id, removal_status=RequestStatus.IN_PROGRESS
            )
        else:
            self._numbered.append((a.seq, request.request_id, request.status.value))
            self._flush()
            a = dataclasses.replace(a, request_id=request.request_id)
        self._actions[a.seq] = a
        self._following[a.seq] = sent

    # -- looking --------------------------------------------------------------------------

    async def _read(self, actions: Sequence[JournalAction]) -> dict[str, Subscriber] | None:
        numbers = sorted({a.msisdn for a in actions})
        try:
            return await self.operator.subscribers_of(numbers)
        except ApiError as exc:
            if isinstance(exc, OperatorUnavailable):
                self.gone = exc
            self.progress.retrying(f"reading the numbers back failed: {exc.message}")
            return None

    async def _look(self) -> bool:
        """One read of the numbers in flight; a status call only for a step that should
        have shown up by now and has not. Whether any step ended."""
        seqs = [*self._following, *self._unknown]
        current = await self._read([self._actions[s] for s in seqs])
        if current is None:
            return False
        now = time.time()
        ended = False
        for seq, sent in list(self._following.items()):
            if visible(self._actions[seq], current):
                self._learn(now - sent)
                self._step_done(self._actions[seq], RequestStatus.COMPLETED, None)
                ended = True
        overdue = [
            seq
            for seq, sent in self._following.items()
            if now - max(sent, self._asked.get(seq, 0.0)) > self._expected()
        ]
        for seq in overdue:
            ended |= await self._ask(seq, now)
        ended |= self._look_for_lost(current, now)
        return ended

    async def _ask(self, seq: int, now: float) -> bool:
        a = self._actions[seq]
        self._asked[seq] = now
        event = step_id(a)
        if event is None:
            return False
        self.stats.status_calls += 1
        try:
            found = await self.operator.statuses([event])
        except ApiError as exc:
            if isinstance(exc, OperatorUnavailable):
                self.gone = exc
            return False
        if not found or not found[0].status.final:
            return False
        self._learn(now - self._following.get(seq, now))
        self._step_done(a, found[0].status, found[0].reason)
        return True

    def _look_for_lost(self, current: Mapping[str, Subscriber], now: float) -> bool:
        ended = False
        for seq, sent in list(self._unknown.items()):
            a = self._actions[seq]
            if visible(a, current):
                del self._unknown[seq]
                self._settling[seq] = sent
                self._learn(now - sent)  # at most this long: a sample of processing
                self.log.info("lost answer found in place", msisdn=a.msisdn, source=a.source)
                self._step_done(a, RequestStatus.COMPLETED, None, found=True)
                ended = True
            elif now - sent > self._probe_bound():
                del self._unknown[seq]
                self._flush()
                seconds = round(self._probe_bound())
                self.journal.record_event(self.run_id, seq, f"not found after {seconds} s; resent")
                self.progress.retrying(f"{a.msisdn}: {said.ANSWER_LOST_RESENT(seconds=seconds)}")
                self._queue.put_nowait(a)
        return ended

    def _settled(self, now: float) -> None:
        for seq, sent in list(self._settling.items()):
            if now - sent > self._probe_bound():
                del self._settling[seq]

    def _expected(self) -> float:
        """How long a step may take before its own status is asked."""
        if self._slowest is None:
            return 2 * self.options.poll_max_s
        return self._slowest * 1.5 + self.options.poll_first_s

    def _probe_bound(self) -> float:
        if self._slowest is None:
            return self.options.wait_s
        return min(self.options.wait_s, PROBE_FACTOR * self._slowest + PROBE_MARGIN_S)

    def _learn(self, took: float) -> None:
        if took > 0 and (self._slowest is None or took > self._slowest):
            self._slowest = took
            self.journal.record_slowest(self.run_id, took)

    # -- a step ends --------------------------------------------------------------------

    def _step_done(
        self, a: JournalAction, status: RequestStatus, reason: str | None, found: bool = False
    ) -> None:
        self._following.pop(a.seq, None)
        self._asked.pop(a.seq, None)
        self._flush()
        if a.kind is ActionKind.EDIT and removing(a):
            self.journal.record_removal(self.run_id, a.seq, None, status)
            if status is RequestStatus.COMPLETED:
                # The second step: connect the new rule. The number has no limit until then.
                nxt = dataclasses.replace(a, removal_status=status, sent_at=None)
                self._actions[a.seq] = nxt
                self._queue.put_nowait(nxt)
            else:
                self.journal.record_outcome(
                    self.run_id, a.seq, Outcome.REJECTED, reason or said.REJECTED()
                )
                self.progress.finished(status.value)
            return
        if found:
            self.journal.record_found(self.run_id, a.seq)
            self.progress.finished(status.value)
            return
        self.journal.record_statuses(self.run_id, [(a.seq, status.value, reason)])
        self.progress.finished(status.value)
        if status is RequestStatus.REJECTED and a.kind is ActionKind.EDIT:
            self._step_failed(a, reason or "", a.request_id)

    def _step_failed(self, a: JournalAction, detail: str, request: str | None) -> None:
        """A step refused. After an edit's removal the number has no rule now: the row
        fails, in those words, and the next run connects it."""
        self._flush()
        if a.kind is ActionKind.EDIT and not removing(a):
            note = said.REMOVED_NOT_CONNECTED(request=request or "—", detail=detail)
            self.journal.record_outcome(self.run_id, a.seq, Outcome.FAILED, note)
        else:
            self.journal.record_outcome(self.run_id, a.seq, Outcome.FAILED, detail)
        self.progress.failed(f"{a.msisdn}: {detail}")

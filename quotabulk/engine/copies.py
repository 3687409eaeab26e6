"""At read-back, on an operator that keeps a quota as connected rules and has no
idempotency key: copies of our rule, and changes made by someone else after ours.

A second copy of our rule is ours to remove only when this row's journal shows that we
connected it — a send whose answer was lost (the one way one run can connect twice), or
a completed connect of ours while both copies hold exactly the value we connected (what
two machines applying one sheet at once leave: the copies cannot be told apart, and
removing one leaves exactly the rule we made). Then one copy is removed
(`allDuplicates: false`), followed to its end, and the number read again: the report
says what the number holds afterwards, including the race in which another run removed
the other copy at the same moment. Any other copy is named (`conflict`), never removed.

Without versions, a number that shows neither what we set nor what the plan saw was
changed by someone else after us: a `conflict` too.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from quotabulk.domain import messages as said
from quotabulk.domain.errors import ApiError
from quotabulk.domain.messages import Text
from quotabulk.domain.models import ActionKind, Subscriber, quota_text
from quotabulk.domain.outcomes import Outcome
from quotabulk.domain.requests import Operation, Request, RequestStatus
from quotabulk.domain.running import ExecuteOptions
from quotabulk.operator.port import Operator
from quotabulk.store.journal import Journal, JournalAction

Decided = tuple[int, Outcome, Text | str | None]


@dataclass(frozen=True)
class _Context:
    operator: Operator
    journal: Journal
    run_id: str
    options: ExecuteOptions


async def settle_copies(
    operator: Operator,
    journal: Journal,
    run_id: str,
    options: ExecuteOptions,
    journaled: Sequence[JournalAction],
    current: Mapping[str, Subscriber],
    decided: Sequence[Decided],
) -> list[Decided]:
    context = _Context(operator, journal, run_id, options)
    by_seq = {a.seq: a for a in journaled}
    settled: dict[int, Decided] = {}
    ours: list[JournalAction] = []
    for seq, outcome, note in decided:
        a = by_seq[seq]
        subscriber = current.get(a.msisdn)
        if subscriber is not None and outcome is Outcome.APPLIED and subscriber.copies:
            if _ours(a, subscriber):
                ours.append(a)
                continue
            outcome, note = Outcome.CONFLICT, said.COPY_FOUND(n=len(subscriber.copies))
        elif outcome is Outcome.APPLIED and note is None and a.lost and not a.request_id:
            note = said.FOUND_IN_PLACE()  # the report's request column is empty: say why
        elif subscriber is not None and outcome is Outcome.FAILED and _theirs(a, subscriber):
            note = said.CHANGED_AFTER_OURS(
                request=a.request_id or "—",
                held=quota_text(subscriber.quota),
                wanted=quota_text(a.after),
            )
            outcome = Outcome.CONFLICT
        settled[seq] = (seq, outcome, note)
    if ours:
        for row in await _remove_copies(context, ours):
            settled[row[0]] = row
    return [settled[seq] for seq, _, _ in decided]


def _ours(a: JournalAction, subscriber: Subscriber) -> bool:
    """One copy too many, of the value this row connected, and connected by us."""
    if a.kind is ActionKind.DELETE or len(subscriber.copies) != 1:
        return False
    if subscriber.quota != a.after or subscriber.copies[0] != a.after:
        return False
    return a.lost > 0 or a.request_status is RequestStatus.COMPLETED


async def _remove_copies(context: _Context, ours: Sequence[JournalAction]) -> list[Decided]:
    """Look once more (another run may have removed the copy since), remove one copy of
    each number that still has it, follow the removals, and read the numbers again.

    Two machines applying one sheet see the same copies at about the same moment; each
    first waits a random part of the operator's processing time, so that the second
    usually finds the first one's removal done and removes nothing."""
    rows: list[Decided] = []
    slowest = context.journal.slowest(context.run_id) or context.options.poll_first_s
    await asyncio.sleep(random.uniform(0, 2 * slowest))
    try:
        fresh = await context.operator.subscribers_of([a.msisdn for a in ours])
    except ApiError:  # the operator is gone: the copies stay, named
        return [(a.seq, Outcome.CONFLICT, said.COPY_FOUND(n=1)) for a in ours]
    removals: dict[int, str] = {}
    for a in ours:
        subscriber = fresh.get(a.msisdn)
        if subscriber is None or not subscriber.copies:
            rows.append(_as_held(a, subscriber, None))
            continue
        try:
            request = await context.operator.submit(
                a.msisdn, Operation.DELETE, None, "", before=a.after
            )
        except ApiError as exc:
            context.journal.record_event(context.run_id, a.seq, f"copy not removed: {exc.message}")
            rows.append((a.seq, Outcome.CONFLICT, said.COPY_FOUND(n=len(subscriber.copies))))
            continue
        context.journal.record_event(context.run_id, a.seq, f"copy removed by {request.request_id}")
        removals[a.seq] = request.request_id
    if not removals:
        return rows
    try:
        ended = await _follow(context, list(removals.values()))
        after = await context.operator.subscribers_of([a.msisdn for a in ours if a.seq in removals])
    except ApiError:  # sent, but not seen to its end: the next run shows whether it went
        ended, after = {}, {}
    for a in ours:
        if a.seq in removals:
            rows.append(
                _after_removal(a, after.get(a.msisdn), removals[a.seq], ended.get(removals[a.seq]))
            )
    return rows


async def _follow(context: _Context, request_ids: Sequence[str]) -> dict[str, Request]:
    """The removals' last known states, polled until final or `--wait` has passed."""
    options = context.options
    deadline = time.monotonic() + options.wait_s
    known: dict[str, Request] = {}
    pause = options.poll_first_s
    while time.monotonic() < deadline:
        await asyncio.sleep(pause)
        open_ids = [i for i in request_ids if i not in known or not known[i].status.final]
        if not open_ids:
            break
        for request in await context.operator.statuses(open_ids):
            known[request.request_id] = request
        pause = min(options.poll_max_s, pause * 1.5)
    return known


def _after_removal(
    a: JournalAction, held: Subscriber | None, request_id: str, request: Request | None
) -> Decided:
    if request is None or not request.status.final:
        return a.seq, Outcome.CONFLICT, said.COPY_REMOVAL_OPEN(request=request_id)
    if request.status is RequestStatus.REJECTED:
        n = len(held.copies) if held is not None else 1
        return a.seq, Outcome.CONFLICT, said.COPY_FOUND(n=max(n, 1))
    return _as_held(a, held, request_id)


def _as_held(a: JournalAction, held: Subscriber | None, request_id: str | None) -> Decided:
    """What the number holds after the copy was dealt with (by us or by another run)."""
    quota = held.quota if held is not None else None
    copies = held.copies if held is not None else ()
    if quota == a.after and not copies:
        if request_id is None:
            return a.seq, Outcome.APPLIED, said.COPY_GONE()
        return a.seq, Outcome.APPLIED, said.COPY_REMOVED(request=request_id)
    if request_id is not None and quota is None:
        return a.seq, Outcome.CONFLICT, said.COPY_REMOVED_BOTH(request=request_id)
    if copies:
        return a.seq, Outcome.CONFLICT, said.COPY_FOUND(n=len(copies))
    return (
        a.seq,
        Outcome.CONFLICT,
        said.NOT_AS_WANTED(held=quota_text(quota), wanted=quota_text(a.after)),
    )


def _theirs(a: JournalAction, subscriber: Subscriber) -> bool:
    """Our change completed, and the number shows neither it nor what the plan saw."""
    return a.request_status is not None and subscriber.quota not in (a.after, a.before)

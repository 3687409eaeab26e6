"""At read-back, on an operator that keeps a quota as connected rules and has no
idempotency key: copies of our rule, and changes made by someone else after ours.

A copy is ours only when this row's journal shows a send whose answer was lost (the one
way this engine can connect twice): then one copy is removed (`allDuplicates: false`),
journaled and said. A copy we cannot attribute is named (`conflict`), never removed.
Without versions, a number that shows neither what we set nor what the plan saw was
changed by someone else after us: a `conflict` too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from quotabulk.domain import messages as said
from quotabulk.domain.errors import ApiError
from quotabulk.domain.messages import Text
from quotabulk.domain.models import Subscriber, quota_text
from quotabulk.domain.outcomes import Outcome
from quotabulk.domain.requests import Operation
from quotabulk.operator.port import Operator
from quotabulk.store.journal import Journal, JournalAction

Decided = tuple[int, Outcome, Text | str | None]


async def settle_copies(
    operator: Operator,
    journal: Journal,
    run_id: str,
    journaled: Sequence[JournalAction],
    current: Mapping[str, Subscriber],
    decided: Sequence[Decided],
) -> list[Decided]:
    by_seq = {a.seq: a for a in journaled}
    settled = []
    for seq, outcome, note in decided:
        a = by_seq[seq]
        subscriber = current.get(a.msisdn)
        if subscriber is not None and outcome is Outcome.APPLIED and subscriber.copies:
            outcome, note = await _copy(operator, journal, run_id, a, subscriber)
        elif subscriber is not None and outcome is Outcome.FAILED and _theirs(a, subscriber):
            note = said.CHANGED_AFTER_OURS(
                request=a.request_id or "—",
                held=quota_text(subscriber.quota),
                wanted=quota_text(a.after),
            )
            outcome = Outcome.CONFLICT
        settled.append((seq, outcome, note))
    return settled


async def _copy(
    operator: Operator, journal: Journal, run_id: str, a: JournalAction, subscriber: Subscriber
) -> tuple[Outcome, Text | str | None]:
    extra = len(subscriber.copies)
    if a.lost == 0 or extra != 1 or a.after not in subscriber.copies:
        return Outcome.CONFLICT, said.COPY_FOUND(n=extra)
    try:
        request = await operator.submit(a.msisdn, Operation.DELETE, None, "", before=a.after)
    except ApiError as exc:
        journal.record_event(run_id, a.seq, f"copy not removed: {exc.message}")
        return Outcome.CONFLICT, said.COPY_FOUND(n=extra)
    journal.record_event(run_id, a.seq, f"copy removed by {request.request_id}")
    return Outcome.APPLIED, said.COPY_REMOVED(request=request.request_id)


def _theirs(a: JournalAction, subscriber: Subscriber) -> bool:
    """Our change completed, and the number shows neither it nor what the plan saw."""
    return a.request_status is not None and subscriber.quota not in (a.after, a.before)

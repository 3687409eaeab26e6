"""After the last request is final: read the subscribers back and decide each row."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from quotabulk.domain import messages as said
from quotabulk.domain.messages import Text
from quotabulk.domain.models import Subscriber, quota_text
from quotabulk.domain.outcomes import Outcome
from quotabulk.domain.requests import RequestStatus
from quotabulk.store.journal import JournalAction


def decide(
    actions: Sequence[JournalAction], current: Mapping[str, Subscriber] | None
) -> list[tuple[int, Outcome, Text | str | None]]:
    """The outcome of every change not yet settled. A row is `applied` only when the
    operator shows exactly the quota the row wanted; `current` None means the operator
    could not be read back, and a completed request then stays `pending`."""
    return [(a.seq, *_outcome(a, current)) for a in actions if a.open]


def _changed_after_ours(action: JournalAction, subscriber: Subscriber | None) -> bool:
    """The operator raises a subscriber's version when a request for it becomes final:
    ours raised it once, so a version beyond that is someone else's request, made final
    after ours (before ours, the planned version would have refused ours)."""
    if subscriber is None or action.version is None:
        return False
    return subscriber.version > action.version + 1


def _outcome(
    action: JournalAction, current: Mapping[str, Subscriber] | None
) -> tuple[Outcome, Text | str | None]:
    """The operator's own words (its reason for a rejection) stay as they are."""
    request = action.request_id or ""
    if action.request_status is RequestStatus.REJECTED:
        return Outcome.REJECTED, action.error or said.REJECTED()
    if action.request_status is RequestStatus.COMPLETED:
        if current is None:
            return Outcome.PENDING, said.UNVERIFIED(request=request)
        subscriber = current.get(action.msisdn)
        held = None if subscriber is None else subscriber.quota
        if held == action.after:
            return Outcome.APPLIED, None
        shown, wanted = quota_text(held), quota_text(action.after)
        if _changed_after_ours(action, subscriber):
            return Outcome.CONFLICT, said.CHANGED_AFTER_OURS(
                request=request, held=shown, wanted=wanted
            )
        return Outcome.FAILED, said.NOT_AS_WANTED(held=shown, wanted=wanted)
    if action.request_id:
        return Outcome.PENDING, said.NOT_FINAL(request=request)
    return Outcome.PENDING, action.error or said.NOT_SENT()

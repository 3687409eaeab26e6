"""After the last request is final: read the subscribers back and decide each row."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from quotabulk.domain.models import Subscriber, describe_quota
from quotabulk.domain.outcomes import Outcome
from quotabulk.domain.requests import RequestStatus
from quotabulk.store.journal import JournalAction


def decide(
    actions: Sequence[JournalAction], current: Mapping[str, Subscriber] | None
) -> list[tuple[int, Outcome, str | None]]:
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
) -> tuple[Outcome, str | None]:
    if action.request_status is RequestStatus.REJECTED:
        return Outcome.REJECTED, action.error or "rejected by the operator"
    if action.request_status is RequestStatus.COMPLETED:
        if current is None:
            return Outcome.PENDING, (
                f"request {action.request_id} completed, but the operator could not be read "
                "back to verify it; run again"
            )
        subscriber = current.get(action.msisdn)
        held = None if subscriber is None else subscriber.quota
        if held == action.after:
            return Outcome.APPLIED, None
        if _changed_after_ours(action, subscriber):
            return Outcome.CONFLICT, (
                f"changed by someone else after our request {action.request_id} completed: "
                f"the operator shows {describe_quota(held)}, we set {describe_quota(action.after)}"
            )
        return Outcome.FAILED, (
            f"operator shows {describe_quota(held)}, wanted {describe_quota(action.after)}"
        )
    if action.request_id:
        return (
            Outcome.PENDING,
            f"request {action.request_id} is not final yet; run again to follow it",
        )
    return Outcome.PENDING, action.error or "not sent yet; run the same command again to send it"

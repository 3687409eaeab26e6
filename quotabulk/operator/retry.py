"""Retries of transient operator faults: exponential backoff with full jitter, honouring
Retry-After, within the run's operator budget (tenacity).

A wait never outlasts the budget: a Retry-After longer than what is left ends the
retries at once instead of sleeping past the operator timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_random_exponential

from quotabulk.domain.errors import ApiError, ApiStatusError, OperatorUnavailable
from quotabulk.operator.budget import OperatorBudget
from quotabulk.operator.connect import OnRetry, RetryPolicy

T = TypeVar("T")


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, ApiError) and exc.retryable


async def _sleep_unless_cancelled(seconds: float) -> None:
    """A backoff that a stop always cuts: on Python 3.11 `asyncio.wait_for` can swallow a
    cancellation that arrives as its call ends, and the retries would then sleep on for
    the whole operator timeout. The task still counts the cancel it was asked for."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
    await asyncio.sleep(seconds)


async def with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    budget: OperatorBudget,
    url: str,
    on_retry: OnRetry | None = None,
) -> T:
    """Run `call`; retry connection errors, timeouts, 5xx and 429 while the budget lasts;
    raise anything else at once, and `OperatorUnavailable` when the budget ran out."""
    jitter = wait_random_exponential(multiplier=policy.base_s, max=policy.max_wait_s)

    def pause(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        wanted = jitter(state)
        if isinstance(exc, ApiStatusError) and exc.retry_after is not None:
            wanted = max(wanted, exc.retry_after)
        return wanted

    def wait(state: RetryCallState) -> float:
        return max(0.0, min(pause(state), budget.remaining()))

    def stop(state: RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        asked = exc.retry_after if isinstance(exc, ApiStatusError) else None
        if asked is not None and asked > budget.remaining():
            return True  # told to wait longer than is left: waiting would be in vain
        return budget.remaining() <= 0.05

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        if on_retry is not None and exc is not None:
            on_retry(exc, state.upcoming_sleep)

    retrying = AsyncRetrying(
        sleep=_sleep_unless_cancelled,
        stop=stop,
        wait=wait,
        retry=retry_if_exception(is_transient),
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        return await retrying(call)
    except ApiError as exc:
        if is_transient(exc):
            raise OperatorUnavailable(url, budget.seconds, exc) from None
        raise

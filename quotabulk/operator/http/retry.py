"""Retries of transient operator faults: exponential backoff with full jitter, honouring
Retry-After, under a total deadline (tenacity)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

from quotabulk.domain.errors import ApiError, ApiStatusError

T = TypeVar("T")
OnRetry = Callable[[BaseException, float], None]


@dataclass(frozen=True)
class RetryPolicy:
    deadline_s: float = 300.0
    attempts: int = 50
    base_s: float = 0.1
    max_wait_s: float = 20.0


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, ApiError) and exc.retryable


async def with_retries(
    call: Callable[[], Awaitable[T]], policy: RetryPolicy, on_retry: OnRetry | None = None
) -> T:
    """Run `call`; retry connection errors, timeouts, 5xx and 429; raise anything else."""
    jitter = wait_random_exponential(multiplier=policy.base_s, max=policy.max_wait_s)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        pause = jitter(state)
        if isinstance(exc, ApiStatusError) and exc.retry_after is not None:
            pause = max(pause, exc.retry_after)
        return pause

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        if on_retry is not None and exc is not None:
            on_retry(exc, state.upcoming_sleep)

    retrying = AsyncRetrying(
        stop=stop_after_delay(policy.deadline_s) | stop_after_attempt(policy.attempts),
        wait=wait,
        retry=retry_if_exception(is_transient),
        before_sleep=before_sleep,
        reraise=True,
    )
    return await retrying(call)

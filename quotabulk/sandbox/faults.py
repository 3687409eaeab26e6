"""Fault knobs for `sandbox serve`: latency, rate limits, 503s, extra 429s, lost answers.

An ASGI middleware in front of the API app, so the app itself stays exact and faults are
decided per request from one seeded random stream (`--seed` repeats a run's faults). Its
refusals are written in the served dialect's error shape.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import threading
import time
from collections import deque
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(frozen=True)
class Faults:
    latency_ms: int = 0
    rate_limit: float = 0.0  # requests per second before 429; 0 means none
    error_rate: float = 0.0
    throttle_rate: float = 0.0
    lost_response_rate: float = 0.0
    seed: int | None = None
    per_minute: int = 0  # calls in any minute before 429; 0 means none
    dialect: str = "http"  # whose error bodies: "http" or "mts-business"
    # Calls dropped before they reach the operator, unanswered: a client cannot tell
    # them from a lost answer, but nothing was made (so a probe finds nothing and must
    # send again).
    lost_request_rate: float = 0.0

    @property
    def any(self) -> bool:
        return bool(
            self.latency_ms
            or self.rate_limit
            or self.per_minute
            or self.error_rate
            or self.throttle_rate
            or self.lost_response_rate
            or self.lost_request_rate
        )


class LostResponse(Exception):
    """Raised after the app committed its work, to drop the connection unanswered."""


class _Bucket:
    """A token bucket of `rate` tokens per second holding at most one second's worth."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.stamp = time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> float:
        """0 when a token was taken, else the seconds until one is there."""
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1:
                self.tokens -= 1
                return 0.0
            return (1 - self.tokens) / self.rate


class _MinuteWindow:
    """At most `budget` calls in any sixty seconds."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.calls: deque[float] = deque()
        self.lock = threading.Lock()

    def take(self) -> float:
        with self.lock:
            now = time.monotonic()
            while self.calls and now - self.calls[0] >= 60:
                self.calls.popleft()
            if len(self.calls) < self.budget:
                self.calls.append(now)
                return 0.0
            return 60 - (now - self.calls[0])


class FaultInjector:
    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults
        self.random = random.Random(faults.seed)
        self.bucket = _Bucket(faults.rate_limit) if faults.rate_limit else None
        self.minute = _MinuteWindow(faults.per_minute) if faults.per_minute else None
        self.mts = faults.dialect == "mts-business"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        f = self.faults
        if f.latency_ms:
            await asyncio.sleep(f.latency_ms / 1000)
        wait = self.bucket.take() if self.bucket else 0.0
        if not wait and self.minute is not None:
            wait = self.minute.take()
        if wait:
            await self._refuse(send, 429, "rate_limited", "over the rate limit", math.ceil(wait))
            return
        draw = self.random.random()
        if draw < f.error_rate:
            await self._refuse(send, 503, "unavailable", "temporarily unavailable")
            return
        if draw < f.error_rate + f.throttle_rate:
            await self._refuse(send, 429, "throttled", "too many requests", 1)
            return
        lost_answer = f.error_rate + f.throttle_rate + f.lost_response_rate
        if draw < lost_answer + f.lost_request_rate:
            if draw < lost_answer:  # the operator does the work; its answer is lost
                await self.app(scope, receive, _swallow)
            await _drop(send)
            raise LostResponse
        await self.app(scope, receive, send)

    async def _refuse(
        self, send: Send, status: int, code: str, message: str, retry_after: int | None = None
    ) -> None:
        if self.mts:  # 1011 too many requests, with no Retry-After (none is promised)
            number = 1011 if status == 429 else 1000
            body = f'{{"error":{{"errorCode":{number},"errorMessage":"{message}"}}}}'.encode()
            await _answer(send, status, body, None)
        else:
            await _answer(
                send, status, f'{{"code":"{code}","message":"{message}"}}'.encode(), retry_after
            )


async def _drop(send: Send) -> None:
    """Start an answer and abandon it, as the connection dies: no answer arrives."""
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1000")]}
    )


async def _swallow(_: Message) -> None:
    return None


async def _answer(send: Send, status: int, body: bytes, retry_after: int | None) -> None:
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class QuietLostResponses(logging.Filter):
    """uvicorn logs every dropped answer as an application error; these are on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, LostResponse) and "without completing response" not in str(
            record.getMessage()
        )

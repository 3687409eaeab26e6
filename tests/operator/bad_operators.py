"""Operators that misbehave the ways real ones do, in front of a real sandbox: for tests
that quotabulk ends within --operator-timeout with the documented exit code."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from quotabulk.sandbox.app import create_app
from quotabulk.sandbox.store import Behaviour, SandboxStore
from tests.live import TOKEN, served_in_thread


class Misbehaving:
    """`mode`: `retry-after` (every call 429, Retry-After 3600), `trickle` (every answer
    one byte a second), `readback-502` (every read of subscribers fails with 502 once the
    first listing, the one the plan is made from, has been answered)."""

    def __init__(self, app: ASGIApp, mode: str) -> None:
        self.app = app
        self.mode = mode
        self.listings = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.mode == "retry-after":
            await _answer(send, 429, b'{"code":"rate_limited","message":"slow down"}', 3600)
            return
        if self.mode == "readback-502" and scope["path"].endswith(("/subscribers", ":query")):
            self.listings += 1
            if self.listings > 1:
                await _answer(send, 502, b'{"code":"bad_gateway","message":"upstream down"}')
                return
        if self.mode == "trickle":
            await self.app(scope, receive, _trickling(send))
            return
        await self.app(scope, receive, send)


def _trickling(send: Send) -> Send:
    async def slow(message: Message) -> None:
        if message["type"] != "http.response.body":
            await send(message)
            return
        for byte in message.get("body", b""):
            await send({"type": "http.response.body", "body": bytes([byte]), "more_body": True})
            await asyncio.sleep(1.0)
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    return slow


async def _answer(send: Send, status: int, body: bytes, retry_after: int | None = None) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@contextmanager
def misbehaving_operator(db: Path, mode: str) -> Iterator[str]:
    store = SandboxStore(db, Behaviour(processing_ms=50))
    try:
        with served_in_thread(Misbehaving(create_app(store, TOKEN), mode)) as address:
            yield f"http://{address}"
    finally:
        store.close()

"""The embedded default operator: the sandbox app served in-process to the HTTP dialect.

With no `QUOTABULK_API_URL`, the app layer injects this transport into `operator.connect`,
so every command works against `$QUOTABULK_HOME/sandbox.db` with no server to start.
"""

from __future__ import annotations

import threading
from typing import Protocol

import httpx
from starlette.types import ASGIApp

from quotabulk.config import Settings
from quotabulk.operator import mts
from quotabulk.sandbox.app import create_app
from quotabulk.sandbox.mts.app import DEFAULT_TOKEN_TTL_S, Client, create_mts_app
from quotabulk.sandbox.mts.store import MtsStore
from quotabulk.sandbox.store import Behaviour, SandboxStore

EMBEDDED_URL = "http://sandbox.invalid"
# FastAPI builds its routes' pydantic schemas when an app is made, and pydantic's schema
# building is not safe in two threads at once (seen once: `plan`'s prefetch and its own
# thread making one each; console jobs run in threads too). One app is made at a time.
_MAKING = threading.Lock()


class _Closing(Protocol):
    def close(self) -> None: ...


class EmbeddedTransport(httpx.ASGITransport):
    """The sandbox app over ASGI; closing the client closes the sandbox's database."""

    def __init__(self, app: ASGIApp, store: _Closing) -> None:
        super().__init__(app=app)
        self.store = store

    async def aclose(self) -> None:
        self.store.close()


def embedded_transport(settings: Settings) -> EmbeddedTransport:
    """The sandbox of the configured dialect, on `$QUOTABULK_HOME/sandbox.db`."""
    assert settings.token is not None
    processing = settings.sandbox_processing_ms
    secret = settings.token.get_secret_value()
    behaviour = Behaviour() if processing is None else Behaviour(processing_ms=processing)
    if settings.dialect == mts.DIALECT:
        mts_store = MtsStore(settings.sandbox_db, behaviour)
        client = Client(settings.client_id or mts.SANDBOX_CLIENT_ID, secret)
        return EmbeddedTransport(create_mts_app(mts_store, client, DEFAULT_TOKEN_TTL_S), mts_store)
    store = SandboxStore(settings.sandbox_db, behaviour)
    with _MAKING:
        app = create_app(store, secret)
    return EmbeddedTransport(app, store)

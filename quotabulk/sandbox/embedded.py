"""The embedded default operator: the sandbox app served in-process to the HTTP dialect.

With no `QUOTABULK_API_URL`, the app layer injects this transport into `operator.connect`,
so every command works against `$QUOTABULK_HOME/sandbox.db` with no server to start.
"""

from __future__ import annotations

import threading

import httpx

from quotabulk.config import Settings
from quotabulk.sandbox.app import create_app
from quotabulk.sandbox.store import Behaviour, SandboxStore

EMBEDDED_URL = "http://sandbox.invalid"
# FastAPI builds its routes' pydantic schemas when an app is made, and pydantic's schema
# building is not safe in two threads at once (seen once: `plan`'s prefetch and its own
# thread making one each; console jobs run in threads too). One app is made at a time.
_MAKING = threading.Lock()


class EmbeddedTransport(httpx.ASGITransport):
    """The sandbox app over ASGI; closing the client closes the sandbox's database."""

    def __init__(self, store: SandboxStore, token: str) -> None:
        with _MAKING:
            app = create_app(store, token)
        super().__init__(app=app)
        self.store = store

    async def aclose(self) -> None:
        self.store.close()


def embedded_transport(settings: Settings) -> EmbeddedTransport:
    assert settings.token is not None
    processing = settings.sandbox_processing_ms
    behaviour = Behaviour() if processing is None else Behaviour(processing_ms=processing)
    store = SandboxStore(settings.sandbox_db, behaviour)
    return EmbeddedTransport(store, settings.token.get_secret_value())

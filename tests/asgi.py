"""A synchronous httpx client over an ASGI app in-process, for table-driven API tests.

(starlette's TestClient now wants a different httpx; this is the same idea in 30 lines.)
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any

import httpx
from starlette.types import ASGIApp


class AsgiClient:
    def __init__(
        self,
        app: ASGIApp,
        base_url: str = "http://sandbox.test",
        peer: tuple[str, int] = ("127.0.0.1", 50000),
    ) -> None:
        self._loop = asyncio.new_event_loop()
        transport = httpx.ASGITransport(app=app, client=peer)
        self._http = httpx.AsyncClient(transport=transport, base_url=base_url)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._loop.run_until_complete(self._http.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def __enter__(self) -> AsgiClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._loop.run_until_complete(self._http.aclose())
        self._loop.close()

"""A misbehaving operator for tests: every call is refused with the caller's token in
the error text, as a careless real API might do."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.live import served_in_thread


async def _echo(request: Request) -> JSONResponse:
    token = request.headers.get("authorization", "").removeprefix("Bearer ")
    body = {"code": "bad_request", "message": f"token {token} is not valid for this call"}
    return JSONResponse(body, status_code=400)


@contextmanager
def echoing_operator(token: str) -> Iterator[str]:
    app = Starlette(routes=[Route("/{path:path}", _echo, methods=["GET", "POST"])])
    with served_in_thread(app) as address:
        yield f"http://{address}"

"""The operator API as an ASGI app over a `SandboxStore`. Its OpenAPI document is the
contract committed as `schemas/operator-api.json`."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from quotabulk import __version__
from quotabulk.operator.http.wire import (
    API_PREFIX,
    MAX_PAGE,
    MSISDN_PATTERN,
    AccountList,
    ApiRequest,
    ErrorBody,
    RequestList,
    StatusQuery,
    SubmitRequest,
    SubscriberPage,
)
from quotabulk.sandbox.store import SandboxStore, StoreError

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in {
        401: "missing or wrong bearer token",
        404: "unknown account, subscriber or request",
        409: "a request in flight for the subscriber, or an idempotency key re-used",
        412: "the subscriber changed since the version given in If-Match; no request made",
        422: "malformed call",
        429: "over the rate limit; see Retry-After",
        503: "temporarily unavailable; retry",
    }.items()
}

_bearer = HTTPBearer(auto_error=False, description="the account's API token")


def _store(request: Request) -> SandboxStore:
    store: SandboxStore = request.app.state.store
    return store


async def _authorised(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    given = credentials.credentials if credentials else ""
    if not hmac.compare_digest(given.encode(), request.app.state.token.encode()):
        raise StoreError(401, "unauthorized", "a valid bearer token is required")


async def _account(request: Request, account: Annotated[str, Path(max_length=64)]) -> str:
    if not _store(request).account_exists(account):
        raise StoreError(404, "account_not_found", f"no account {account}")
    return account


Account = Annotated[str, Depends(_account)]


def create_app(store: SandboxStore, token: str) -> FastAPI:
    """The sandbox operator API; every call needs `Authorization: Bearer <token>`."""
    app = FastAPI(
        title="Operator quota API (quotabulk sandbox)",
        version=__version__,
        description="Quotas of subscribers on a business account, changed by requests "
        "(заявки) that are processed asynchronously.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.store = store
    app.state.token = token

    guarded: dict[str, Any] = {"dependencies": [Depends(_authorised)], "responses": ERRORS}

    @app.get(f"{API_PREFIX}/accounts", response_model=AccountList, **guarded)
    async def list_accounts(request: Request) -> JSONResponse:
        """The accounts this token may work on."""
        return JSONResponse({"items": _store(request).accounts()})

    @app.get(
        f"{API_PREFIX}/accounts/{{account}}/subscribers", response_model=SubscriberPage, **guarded
    )
    async def list_subscribers(
        account: Account,
        cursor: Annotated[str | None, Query(max_length=32)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = MAX_PAGE,
    ) -> JSONResponse:
        """Subscribers of the account with their quotas, ordered by msisdn, page by page."""
        items, next_cursor = store.list_subscribers(account, cursor, limit)
        return JSONResponse({"items": items, "next_cursor": next_cursor})

    @app.post(
        f"{API_PREFIX}/accounts/{{account}}/requests",
        response_model=ApiRequest,
        status_code=201,
        **guarded,
    )
    async def submit(
        account: Account,
        body: SubmitRequest,
        idempotency_key: Annotated[str, Header(min_length=8, max_length=200)],
        if_match: Annotated[
            int | None,
            Header(
                ge=0,
                description="the subscriber version the change was planned against; "
                "a subscriber changed since is refused with 412",
            ),
        ] = None,
    ) -> JSONResponse:
        """Submit an add/edit/delete. The same Idempotency-Key with the same body returns
        the original request (200); with another body it is refused (409)."""
        digest = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
        request, created = store.submit(account, idempotency_key, body, digest, if_match)
        return JSONResponse(request, status_code=201 if created else 200)

    @app.get(
        f"{API_PREFIX}/accounts/{{account}}/requests/{{request_id}}",
        response_model=ApiRequest,
        **guarded,
    )
    async def get_request(
        account: Account, request_id: Annotated[str, Path(max_length=32)]
    ) -> JSONResponse:
        """One request and its status."""
        return JSONResponse(store.get_request(account, request_id))

    @app.post(
        f"{API_PREFIX}/accounts/{{account}}/requests:status", response_model=RequestList, **guarded
    )
    async def statuses(account: Account, query: StatusQuery) -> JSONResponse:
        """Many requests' statuses in one call (up to 500 ids); unknown ids are left out."""
        return JSONResponse({"items": store.statuses(account, query.ids), "next_cursor": None})

    @app.get(f"{API_PREFIX}/accounts/{{account}}/requests", response_model=RequestList, **guarded)
    async def history(
        account: Account,
        since: datetime | None = None,
        msisdn: Annotated[str | None, Query(pattern=MSISDN_PATTERN)] = None,
        cursor: Annotated[str | None, Query(pattern=r"^\d{1,12}$")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = MAX_PAGE,
    ) -> JSONResponse:
        """Request history («История заявок»), oldest first, filtered by time and msisdn."""
        items, next_seq = store.history(account, since, msisdn, int(cursor or 0), limit)
        next_cursor = None if next_seq is None else str(next_seq)
        return JSONResponse({"items": items, "next_cursor": next_cursor})

    _install_error_handlers(app)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StoreError)
    async def refused(_: Request, exc: StoreError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return _error(exc.status, exc.code, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def malformed(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return _error(422, "malformed", f"{where}: {first.get('msg', 'invalid')}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(
            exc.status_code,
            "not_found" if exc.status_code == 404 else "http_error",
            str(exc.detail),
        )


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)

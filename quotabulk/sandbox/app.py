"""The operator API as an ASGI app over a `SandboxStore`. Its OpenAPI document is the
contract committed as `schemas/operator-api.json`: every status each endpoint answers,
the headers, the error codes, and examples."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from quotabulk import __version__
from quotabulk.operator.http.wire import (
    API_PREFIX,
    MAX_PAGE,
    MAX_SUBSCRIBER_PAGE,
    MSISDN_PATTERN,
    AccountList,
    ApiRequest,
    ErrorBody,
    ErrorCode,
    RequestList,
    StatusQuery,
    SubmitRequest,
    SubscriberList,
    SubscriberPage,
    SubscriberQuery,
)
from quotabulk.sandbox.store import SandboxStore, StoreError

# ISO 8601 with a zone, to the microsecond: `2026-11-01T00:00:00Z`, `…T03:00:00.5+03:00`.
SINCE_PATTERN = (
    r"^[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d"
    r"(\.\d{1,6})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$"
)
REQUEST_ID_PATTERN = r"^[A-Za-z0-9-]{1,32}$"

_HEADERS = {
    "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}},
    "WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}},
    "Location": {"description": "the request's own URL", "schema": {"type": "string"}},
}
_ERROR_TEXT = {
    401: ("missing or wrong bearer token (checked before anything else)", ["WWW-Authenticate"]),
    404: ("unknown account, subscriber or request", []),
    409: ("a request in flight for the subscriber, or an Idempotency-Key re-used", []),
    412: ("the subscriber changed since the version in If-Match; no request made", []),
    422: ("malformed call: body, path or query", []),
    429: ("over the rate limit", ["Retry-After"]),
    503: ("temporarily unavailable; retry", ["Retry-After"]),
}
_EXAMPLE_ERRORS = {
    401: ErrorCode.UNAUTHORIZED,
    404: ErrorCode.SUBSCRIBER_NOT_FOUND,
    409: ErrorCode.REQUEST_IN_FLIGHT,
    412: ErrorCode.VERSION_MISMATCH,
    422: ErrorCode.MALFORMED,
    429: ErrorCode.RATE_LIMITED,
    503: ErrorCode.UNAVAILABLE,
}
EXAMPLE_SUBSCRIBER = {
    "msisdn": "79123456789",
    "status": "active",
    "quota": {"limit": "1500.00", "warn_at": None, "on_exceed": "block"},
    "version": 3,
}
EXAMPLE_REQUEST = {
    "request_id": "Z-2026-0001234",
    "msisdn": "79123456789",
    "operation": "edit",
    "quota": {"limit": "1500.00", "warn_at": "1200.00", "on_exceed": "block"},
    "status": "new",
    "reason": None,
    "reason_code": None,
    "created_at": "2026-11-26T10:00:00.000000Z",
    "updated_at": "2026-11-26T10:00:00.000000Z",
}


def _json_bytes(body: bytes) -> Response:
    """A body the store wrote as JSON already."""
    return Response(body, media_type="application/json")


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {
            "model": ErrorBody,
            "description": _ERROR_TEXT[status][0],
            "headers": {name: _HEADERS[name] for name in _ERROR_TEXT[status][1]},
            "content": {
                "application/json": {
                    "example": {"code": _EXAMPLE_ERRORS[status].value, "message": "…"}
                }
            },
        }
        for status in statuses
    }


def _ok(example: Any, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"example": example}}}


_ALWAYS = (401, 422, 429, 503)


class TokenFirst:
    """The bearer token is checked before anything else, the body included (FastAPI
    decodes a JSON body before it runs dependencies)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(API_PREFIX):
            given = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                body = ErrorBody(
                    code=ErrorCode.UNAUTHORIZED, message="a valid bearer token is required"
                )
                response = Response(
                    body.model_dump_json(),
                    status_code=401,
                    media_type="application/json",
                    headers={"WWW-Authenticate": "Bearer"},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _store(request: Request) -> SandboxStore:
    store: SandboxStore = request.app.state.store
    return store


async def _account(request: Request, account: Annotated[str, Path(max_length=64)]) -> str:
    # A token limited to some accounts does not see the others: to it they do not exist.
    visible: frozenset[str] | None = request.app.state.accounts
    if not _store(request).account_exists(account) or (
        visible is not None and account not in visible
    ):
        raise StoreError(404, ErrorCode.ACCOUNT_NOT_FOUND, f"no account {account}")
    return account


Account = Annotated[str, Depends(_account)]
# Declared for the contract (the security scheme); TokenFirst does the checking.
_bearer = HTTPBearer(auto_error=False, description="the account's API token")
_SECURED: dict[str, Any] = {"dependencies": [Depends(_bearer)]}


def create_app(store: SandboxStore, token: str, accounts: frozenset[str] | None = None) -> FastAPI:
    """The operator API; every call needs `Authorization: Bearer <token>`, which may use
    only `accounts` when given (None: every account of the store)."""
    app = FastAPI(
        title="Operator quota API",
        version=__version__,
        description="Quotas of subscribers on a business account, changed by requests "
        "(заявки) that the operator processes asynchronously: a request gets its number at "
        "once, goes new → in_progress → completed or rejected, and the quota changes only "
        "on completion. Every subscriber carries a `version` that rises whenever a request "
        "for it becomes final.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.store = store
    app.state.accounts = accounts

    @app.get(
        f"{API_PREFIX}/accounts",
        operation_id="listAccounts",
        response_model=AccountList,
        responses={200: _ok({"items": ["ACC-100200"]}), **_errors(401, 429, 503)},
        **_SECURED,
    )
    async def list_accounts(request: Request) -> JSONResponse:
        """The accounts this token may work on."""
        visible: frozenset[str] | None = request.app.state.accounts
        found = _store(request).accounts()
        return JSONResponse({"items": [a for a in found if visible is None or a in visible]})

    @app.get(
        f"{API_PREFIX}/accounts/{{account}}/subscribers",
        operation_id="listSubscribers",
        response_model=SubscriberPage,
        responses={
            200: _ok({"items": [EXAMPLE_SUBSCRIBER], "next_cursor": "79123456789"}),
            **_errors(*_ALWAYS, 404),
        },
        **_SECURED,
    )
    async def list_subscribers(
        account: Account,
        cursor: Annotated[str | None, Query(pattern=MSISDN_PATTERN)] = None,
        page_size: Annotated[int, Query(ge=1, le=MAX_SUBSCRIBER_PAGE)] = MAX_PAGE,
    ) -> Response:
        """Subscribers of the account with their quotas and versions, ordered by msisdn,
        `page_size` at a time (up to 10 000); pass `next_cursor` back as `cursor` for the
        next page."""
        return _json_bytes(store.subscriber_page_json(account, cursor, page_size))

    @app.post(
        f"{API_PREFIX}/accounts/{{account}}/subscribers:query",
        operation_id="querySubscribers",
        response_model=SubscriberList,
        responses={
            200: _ok({"items": [EXAMPLE_SUBSCRIBER]}),
            **_errors(*_ALWAYS, 404),
        },
        **_SECURED,
    )
    async def query_subscribers(account: Account, query: SubscriberQuery) -> Response:
        """The named subscribers (up to 1 000) with their quotas and versions, ordered by
        msisdn; numbers not on the account are left out. A run reads back only what it
        changed, however large the account."""
        return _json_bytes(store.subscribers_of_json(account, query.msisdns))

    @app.post(
        f"{API_PREFIX}/accounts/{{account}}/requests",
        operation_id="submitRequest",
        response_model=ApiRequest,
        status_code=201,
        responses={
            201: {
                "description": "accepted: the request has its number",
                "headers": {"Location": _HEADERS["Location"]},
                "content": {"application/json": {"example": EXAMPLE_REQUEST}},
            },
            200: {
                "description": "the same Idempotency-Key and body again: the original request",
                "model": ApiRequest,
                "headers": {"Location": _HEADERS["Location"]},
            },
            **_errors(*_ALWAYS, 404, 409, 412),
        },
        openapi_extra={
            "requestBody": {
                "content": {
                    "application/json": {
                        "examples": {
                            "edit": {
                                "value": {
                                    "msisdn": "79123456789",
                                    "operation": "edit",
                                    "quota": {"limit": "1500.00", "on_exceed": "block"},
                                }
                            },
                            "delete": {"value": {"msisdn": "79123456789", "operation": "delete"}},
                        }
                    }
                }
            }
        },
        **_SECURED,
    )
    async def submit(
        account: Account,
        body: SubmitRequest,
        idempotency_key: Annotated[
            str,
            Header(
                min_length=8,
                max_length=200,
                description="the same key returns the original request, never a second one",
            ),
        ],
        if_match: Annotated[
            int | None,
            Header(
                ge=0,
                description="the subscriber version the change was planned against; "
                "a subscriber changed since is refused with 412",
            ),
        ] = None,
    ) -> JSONResponse:
        """Submit an add/edit/delete. Checked in this order: the token, the body, the
        idempotency replay (the same key and body return the original request, 200), the
        subscriber on the account (404), a request in flight for it (409), If-Match (412)."""
        digest = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
        request, created = store.submit(account, idempotency_key, body, digest, if_match)
        location = f"{API_PREFIX}/accounts/{account}/requests/{request['request_id']}"
        return JSONResponse(
            request, status_code=201 if created else 200, headers={"Location": location}
        )

    @app.get(
        f"{API_PREFIX}/accounts/{{account}}/requests/{{request_id}}",
        operation_id="getRequest",
        response_model=ApiRequest,
        responses={200: _ok(EXAMPLE_REQUEST), **_errors(*_ALWAYS, 404)},
        **_SECURED,
    )
    async def get_request(
        account: Account, request_id: Annotated[str, Path(pattern=REQUEST_ID_PATTERN)]
    ) -> JSONResponse:
        """One request and its status."""
        return JSONResponse(store.get_request(account, request_id))

    @app.post(
        f"{API_PREFIX}/accounts/{{account}}/requests:status",
        operation_id="getRequestStatuses",
        response_model=RequestList,
        responses={
            200: _ok({"items": [EXAMPLE_REQUEST], "next_cursor": None}),
            **_errors(*_ALWAYS, 404),
        },
        **_SECURED,
    )
    async def statuses(account: Account, query: StatusQuery) -> JSONResponse:
        """Many requests' statuses in one call (up to 500 ids); unknown ids are left out."""
        return JSONResponse({"items": store.statuses(account, query.ids), "next_cursor": None})

    @app.get(
        f"{API_PREFIX}/accounts/{{account}}/requests",
        operation_id="listRequests",
        response_model=RequestList,
        responses={
            200: _ok({"items": [EXAMPLE_REQUEST], "next_cursor": "1234"}),
            **_errors(*_ALWAYS, 404),
        },
        **_SECURED,
    )
    async def history(
        account: Account,
        since: Annotated[
            str | None,
            Query(
                pattern=SINCE_PATTERN,
                description="ISO 8601 with a zone, to the microsecond at most; requests "
                "created at or after it",
                json_schema_extra={"format": "date-time"},
            ),
        ] = None,
        msisdn: Annotated[str | None, Query(pattern=MSISDN_PATTERN)] = None,
        cursor: Annotated[str | None, Query(pattern=r"^\d{1,12}$")] = None,
        page_size: Annotated[int, Query(ge=1, le=MAX_PAGE)] = MAX_PAGE,
    ) -> JSONResponse:
        """Request history («История заявок»), oldest first, filtered by time and msisdn."""
        since_at = None if since is None else _instant(since)
        items, next_seq = store.history(account, since_at, msisdn, int(cursor or 0), page_size)
        next_cursor = None if next_seq is None else str(next_seq)
        return JSONResponse({"items": items, "next_cursor": next_cursor})

    _install_error_handlers(app)
    app.add_middleware(TokenFirst, token=token)
    app.openapi = lambda: _contract(app)  # type: ignore[method-assign]
    return app


# Follow-ups a client (and schemathesis's stateful phase) can make from an answer.
_LINKS = {
    ("submitRequest", "201"): {
        "GetRequest": {
            "operationId": "getRequest",
            "parameters": {
                "account": "$request.path.account",
                "request_id": "$response.body#/request_id",
            },
        },
        "RequestsOfTheSubscriber": {
            "operationId": "listRequests",
            "parameters": {
                "account": "$request.path.account",
                "msisdn": "$response.body#/msisdn",
            },
        },
    },
    ("listSubscribers", "200"): {
        "NextPage": {
            "operationId": "listSubscribers",
            "parameters": {
                "account": "$request.path.account",
                "cursor": "$response.body#/next_cursor",
            },
        },
    },
}


def _contract(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, made exact: an optional query or header parameter is absent
    when not given (never `null`), and answers link to their follow-ups."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    for methods in document["paths"].values():
        for operation in methods.values():
            for parameter in operation.get("parameters", []):
                options = parameter["schema"].pop("anyOf", None)
                if options:
                    parameter["schema"].update(next(o for o in options if o != {"type": "null"}))
            for status, response in operation.get("responses", {}).items():
                links = _LINKS.get((operation["operationId"], status))
                if links:
                    response["links"] = links
    app.openapi_schema = document
    return document


def _instant(text: str) -> datetime:
    try:
        return datetime.fromisoformat(re.sub(r"Z$", "+00:00", text))
    except ValueError:
        raise StoreError(422, ErrorCode.MALFORMED, f"since: '{text}' is not a time") from None


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StoreError)
    async def refused(_: Request, exc: StoreError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return _error(exc.status, exc.code, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def malformed(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return _error(422, ErrorCode.MALFORMED, f"{where}: {first.get('msg', 'invalid')}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED}
        # A body Starlette cannot parse is a malformed call like any other (422).
        status = 422 if exc.status_code == 400 else exc.status_code
        code = codes.get(status, ErrorCode.MALFORMED)
        headers = dict(exc.headers or {})
        if status == 405:  # every method of the path, not only the first route's
            headers["Allow"] = ", ".join(sorted(_allowed(request)))
        return _error(status, code, str(exc.detail), headers)


def _allowed(request: Request) -> set[str]:
    allowed: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            allowed |= set(getattr(route, "methods", None) or ())
    return allowed - {"HEAD"}


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)

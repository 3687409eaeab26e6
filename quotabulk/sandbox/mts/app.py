"""The `mts-business` operator API (`../shared/operators/mts-business.md`) as an ASGI
app over an `MtsStore`: OAuth2 client-credentials tokens that expire, the budget rules'
reads, connects and disconnects as asynchronous events, one status call per event.

Every call is counted in the store by name, so tests and benchmarks see exactly how many
calls of each kind a run made.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from quotabulk.sandbox.mts.store import CATALOGUE, MtsError, MtsStore

B2B = "/b2b/v1"
DEFAULT_TOKEN_TTL_S = 3600
MAX_PAGE_SIZE = 1000
Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Client:
    """The one client the sandbox knows, and the accounts it may use (None: all)."""

    client_id: str
    client_secret: str
    accounts: frozenset[str] | None = None


class Tokens:
    """Issued bearer tokens and when each expires."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._expiry[token] = time.monotonic() + self.ttl_s
        return token

    def check(self, token: str) -> None:
        with self._lock:
            expiry = self._expiry.get(token)
        if expiry is None:
            raise MtsError(401, 1014, "Неверный токен доступа")
        if time.monotonic() >= expiry:
            raise MtsError(401, 1013, "Срок действия токена истёк")


def _error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"errorCode": code, "errorMessage": message}}, status)


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise MtsError(400, 1100, "Тело запроса — не JSON") from None
    if not isinstance(body, dict):
        raise MtsError(400, 1100, "Тело запроса — не объект")
    return body


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise MtsError(400, 1100, f"Поле {name} обязательно")
    return value


def create_mts_app(store: MtsStore, client: Client, token_ttl_s: float) -> Starlette:
    tokens = Tokens(token_ttl_s)

    def allowed(account: str | None) -> str:
        if account is None or not store.account_exists(account):
            raise MtsError(401, 1014, "Нет доступа к лицевому счёту")
        if client.accounts is not None and account not in client.accounts:
            raise MtsError(401, 1014, "Нет доступа к лицевому счёту")
        return account

    def guarded(name: str, handler: Handler) -> Handler:
        async def call(request: Request) -> Response:
            store.count_call(name)
            try:
                if name != "token":
                    scheme, _, token = request.headers.get("authorization", "").partition(" ")
                    if scheme.lower() != "bearer":
                        raise MtsError(401, 1014, "Нет токена доступа")
                    tokens.check(token)
                return await handler(request)
            except MtsError as exc:
                return _error(exc.status, exc.code, exc.message)

        return call

    async def token(request: Request) -> Response:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user = password = ""
        known = hmac.compare_digest(user, client.client_id) and hmac.compare_digest(
            password, client.client_secret
        )
        if scheme.lower() != "basic" or not known:
            raise MtsError(401, 1014, "Неверные учётные данные клиента")
        form = parse_qs((await request.body()).decode(errors="replace"))
        if form.get("grant_type") != ["client_credentials"]:
            raise MtsError(400, 1100, "grant_type должен быть client_credentials")
        return JSONResponse(
            {"access_token": tokens.issue(), "token_type": "Bearer", "expires_in": int(token_ttl_s)}
        )

    async def hierarchy(request: Request) -> Response:
        account = allowed(request.query_params.get("account"))
        try:
            page = max(1, int(request.query_params.get("pageNum", "1")))
            size = min(MAX_PAGE_SIZE, max(1, int(request.query_params.get("pageSize", "100"))))
        except ValueError:
            raise MtsError(400, 1100, "pageNum и pageSize — целые числа") from None
        msisdns, more = store.numbers(account, page, size)
        return JSONResponse({"msisdns": msisdns, "hasMore": more})

    async def rules_by_account(request: Request) -> Response:
        account = allowed(_text(await _body(request), "personalAccountNumber"))
        return JSONResponse(
            [
                {
                    "msisdn": msisdn,
                    "ruleInformation": {
                        "code": code,
                        "technicalName": version,
                        "description": _name(code),
                    },
                    "limitValue": value,
                    "activeFrom": since,
                    "activeTo": None,
                }
                for msisdn, code, version, value, since in store.rules(account)
            ]
        )

    async def rules_by_msisdn(request: Request) -> Response:
        msisdn = _text(await _body(request), "msisdn")
        account = allowed(store.account_of(msisdn))
        return JSONResponse(
            [
                {
                    "productCode": code,
                    "productVersionId": version,
                    "title": _name(code),
                    "subTitle": None,
                    "limitValue": value,
                    "activeFrom": since,
                    "activeTo": None,
                }
                for _, code, version, value, since in store.rules(account, msisdn)
            ]
        )

    async def available(request: Request) -> Response:
        allowed(_text(await _body(request), "personalAccountNumber"))
        return JSONResponse(
            [
                {
                    "productCode": rule.code,
                    "productVersionId": rule.version,
                    "productName": rule.name,
                    "title": rule.name,
                    "subTitle": None,
                    "availableLimitValues": None if rule.values is None else list(rule.values),
                }
                for rule in CATALOGUE
            ]
        )

    def change(kind: str) -> Handler:
        async def handler(request: Request) -> Response:
            body = await _body(request)
            msisdn = _text(body, "msisdn")
            allowed(store.account_of(msisdn))
            value = _text(body, "limitValue") if kind == "connect" else None
            event = store.change(
                msisdn,
                kind,
                _text(body, "productCode"),
                _text(body, "productVersionId"),
                value,
                all_duplicates=bool(body.get("allDuplicates", False)),
            )
            return JSONResponse({"eventId": event}, 202)

        return handler

    async def status(request: Request) -> Response:
        return JSONResponse(store.status(_text(await _body(request), "eventId")))

    routes = {
        ("/token", "token"): token,
        (f"{B2B}/Service/HierarchyStructure", "hierarchy"): hierarchy,
        (f"{B2B}/CorporateBudget/ProvidedRulesByAccount", "rules_by_account"): rules_by_account,
        (f"{B2B}/CorporateBudget/ProvidedRulesByMSISDN", "rules_by_msisdn"): rules_by_msisdn,
        (f"{B2B}/CorporateBudget/AvailableRulesByAccount", "available"): available,
        (f"{B2B}/CorporateBudget/AddChargeRuleByMSISDN", "connect"): change("connect"),
        (f"{B2B}/CorporateBudget/RemoveChargeRuleByMSISDN", "disconnect"): change("disconnect"),
        (f"{B2B}/Operations/GetStatus", "status"): status,
    }
    return Starlette(
        routes=[
            Route(path, guarded(name, handler), methods=["GET" if name == "hierarchy" else "POST"])
            for (path, name), handler in routes.items()
        ]
    )


def _name(code: str) -> str:
    return next((rule.name for rule in CATALOGUE if rule.code == code), code)

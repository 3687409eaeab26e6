"""`OperatorClient`: the HTTP dialect of the operator port, over `httpx.AsyncClient`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
from pydantic import TypeAdapter, ValidationError

from quotabulk.domain.amounts import KOPECK
from quotabulk.domain.errors import ApiError, ApiTransportError, Throttled
from quotabulk.domain.models import OnExceed, Quota, Subscriber
from quotabulk.domain.quota_rules import ANY_QUOTA, QuotaRules
from quotabulk.domain.requests import Operation, Request
from quotabulk.operator.budget import OperatorBudget
from quotabulk.operator.connect import OnRetry, RetryPolicy
from quotabulk.operator.http.errors import HTTPX_ERRORS, status_error, translate_httpx_error
from quotabulk.operator.http.wire import (
    API_PREFIX,
    MAX_PAGE,
    MAX_STATUS_IDS,
    MAX_SUBSCRIBER_PAGE,
    MAX_SUBSCRIBER_QUERY,
    ApiQuota,
    ApiRequest,
    QuotaRow,
    SubmitRequest,
    SubscriberRows,
)
from quotabulk.operator.port import Capabilities, Pacer, RawRead
from quotabulk.operator.raw import raw_read
from quotabulk.operator.retry import with_retries

# One call may take this long at most, however much of the operator budget is left.
CALL_CAP_S = 60.0
# Our own API's contract: idempotency keys, If-Match, batch status reads, an edit in one
# request, any amount, thresholds.
CAPABILITIES = Capabilities(status_batch=MAX_STATUS_IDS)
_subscriber_rows = TypeAdapter(SubscriberRows)
_requests = TypeAdapter(list[ApiRequest])
_request = TypeAdapter(ApiRequest)


class OperatorClient:
    """Lists subscribers, submits requests, reads statuses in batches, reads history.

    Every failure is an `ApiError`; transient ones (connection, timeout, 5xx, 429) are
    retried under `retry` before they surface. `on_retry` hears about each retry.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        account: str,
        retry: RetryPolicy | None = None,
        on_retry: OnRetry | None = None,
        url: str = "",
        budget: OperatorBudget | None = None,
    ) -> None:
        self.http = http
        self.account = account
        self.url = url or str(http.base_url)
        self.budget = budget or OperatorBudget()
        self.retry = retry or RetryPolicy()
        self.on_retry = on_retry
        self.pacer: Pacer | None = None
        self.calls = 0
        self._base = f"{API_PREFIX}/accounts/{account}"

    @property
    def capabilities(self) -> Capabilities:
        return CAPABILITIES

    def pace_with(self, pacer: Pacer) -> None:
        self.pacer = pacer

    async def accounts(self) -> list[str]:
        """The accounts the token may work on."""
        answer = await self._call("GET", f"{API_PREFIX}/accounts")
        return [str(account) for account in answer["items"]]

    def use_account(self, account: str) -> None:
        self.account = account
        self._base = f"{API_PREFIX}/accounts/{account}"

    async def subscribers(self) -> dict[str, Subscriber]:
        """Every subscriber of the account with its quota, read in pages of up to ten
        thousand. Each page's bytes are validated against the contract in one call, and
        equal quotas (a finance team sets a handful of limits) become one `Quota`."""
        found: dict[str, Subscriber] = {}
        quotas: dict[tuple[str, str | None, str], Quota] = {}
        path = f"{self._base}/subscribers"
        cursor: str | None = None
        while True:
            params = {"page_size": MAX_SUBSCRIBER_PAGE, **({"cursor": cursor} if cursor else {})}
            body = await self._call("GET", path, params=params, raw=True)
            page = _validated_json(_subscriber_rows, body)
            _collect(found, quotas, page)
            cursor = page.get("next_cursor")
            if not cursor:
                return found

    async def subscribers_of(self, msisdns: Sequence[str]) -> dict[str, Subscriber]:
        """The named subscribers, `MAX_SUBSCRIBER_QUERY` per call; others are left out."""
        found: dict[str, Subscriber] = {}
        quotas: dict[tuple[str, str | None, str], Quota] = {}
        path = f"{self._base}/subscribers:query"
        for start in range(0, len(msisdns), MAX_SUBSCRIBER_QUERY):
            chunk = list(msisdns[start : start + MAX_SUBSCRIBER_QUERY])
            body = await self._call("POST", path, json={"msisdns": chunk}, raw=True)
            _collect(found, quotas, _validated_json(_subscriber_rows, body))
        return found

    async def submit(
        self,
        msisdn: str,
        operation: Operation,
        quota: Quota | None,
        key: str,
        if_match: int | None = None,
        before: Quota | None = None,
    ) -> Request:
        """Submit one request. Re-sending with the same key returns the same request."""
        body = SubmitRequest(
            msisdn=msisdn, operation=operation, quota=None if quota is None else ApiQuota.of(quota)
        )
        headers = {"Idempotency-Key": key, "Content-Type": "application/json"}
        if if_match is not None:
            headers["If-Match"] = str(if_match)
        answer = await self._call(
            "POST", f"{self._base}/requests", content=body.model_dump_json(), headers=headers
        )
        request: ApiRequest = _validated(_request, answer)
        return request.to_request()

    async def quota_rules(self) -> QuotaRules:
        """Any amount, and thresholds."""
        return ANY_QUOTA

    async def statuses(self, request_ids: Sequence[str]) -> list[Request]:
        """Statuses of many requests, `MAX_STATUS_IDS` per call."""
        found: list[Request] = []
        for start in range(0, len(request_ids), MAX_STATUS_IDS):
            ids = list(request_ids[start : start + MAX_STATUS_IDS])
            answer = await self._call("POST", f"{self._base}/requests:status", json={"ids": ids})
            found.extend(r.to_request() for r in _validated(_requests, answer["items"]))
        return found

    async def history(
        self, since: datetime | None = None, msisdn: str | None = None
    ) -> list[Request]:
        """The request history («История заявок»), oldest first."""
        params: dict[str, Any] = {"page_size": MAX_PAGE}
        if since is not None:
            params["since"] = since.isoformat()
        if msisdn is not None:
            params["msisdn"] = msisdn
        found: list[Request] = []
        async for page in self._pages(f"{self._base}/requests", params):
            found.extend(r.to_request() for r in _validated(_requests, page))
        return found

    async def raw_reads(self) -> list[RawRead]:
        """One call of each read, answers as they came (no retry, no validation)."""
        return [
            await raw_read(
                self.http,
                "the account's subscribers, first page",
                "GET",
                f"{self._base}/subscribers",
                params={"page_size": 3},
            ),
            await raw_read(
                self.http,
                "the account's requests, first page",
                "GET",
                f"{self._base}/requests",
                params={"page_size": 3},
            ),
            await raw_read(
                self.http,
                "a request that does not exist (the shape of an error)",
                "GET",
                f"{self._base}/requests/quotabulk-doctor-no-such-request",
                expect_refusal=True,
            ),
        ]

    async def _pages(self, path: str, params: dict[str, Any]) -> AsyncIterator[list[Any]]:
        cursor: str | None = None
        while True:
            answer = await self._call(
                "GET", path, params={**params, **({"cursor": cursor} if cursor else {})}
            )
            yield answer["items"]
            cursor = answer.get("next_cursor")
            if not cursor:
                return

    async def _call(self, method: str, path: str, *, raw: bool = False, **kwargs: Any) -> Any:
        """The answer's JSON (or with `raw`, its bytes, for validation straight from
        them), retried within the operator budget."""

        async def once() -> Any:
            if self.pacer is not None:
                await self.pacer.take()
            self.calls += 1
            # httpx's read timeout restarts with every byte: an answer trickling in would
            # never end. The whole call is capped instead, by what the budget has left.
            limit = max(0.05, min(CALL_CAP_S, self.budget.remaining()))
            try:
                response = await asyncio.wait_for(
                    self.http.request(method, path, **kwargs), timeout=limit
                )
            except TimeoutError:
                raise ApiTransportError("the operator did not answer in time") from None
            except HTTPX_ERRORS as exc:
                raise translate_httpx_error(exc) from None
            if not response.is_success:
                error = status_error(response)
                if isinstance(error, Throttled) and self.pacer is not None:
                    self.pacer.slow_down()
                elif not error.retryable:
                    self.budget.good()  # a refusal is an answer: the operator is there
                raise error
            if raw:
                self.budget.good()
                return response.content
            try:
                answer = response.json()
            except ValueError:
                raise ApiTransportError("the operator's answer is not JSON") from None
            self.budget.good()
            return answer

        return await with_retries(once, self.retry, self.budget, self.url, self.on_retry)


def _collect(
    found: dict[str, Subscriber],
    quotas: dict[tuple[str, str | None, str], Quota],
    page: SubscriberRows,
) -> None:
    for item in page["items"]:
        msisdn = item["msisdn"]
        wire = item["quota"]
        quota = None if wire is None else _quota(quotas, wire)
        blocked = item["status"] == "blocked"
        found[msisdn] = Subscriber(msisdn, quota, blocked, item.get("version", 0))


def _quota(known: dict[tuple[str, str | None, str], Quota], wire: QuotaRow) -> Quota:
    key = (wire["limit"], wire.get("warn_at"), wire.get("on_exceed", OnExceed.BLOCK))
    found = known.get(key)
    if found is None:
        limit, warn_at, on_exceed = key
        found = Quota(
            Decimal(limit).quantize(KOPECK),
            None if warn_at is None else Decimal(warn_at).quantize(KOPECK),
            OnExceed(on_exceed),
        )
        known[key] = found
    return found


def _validated_json(adapter: TypeAdapter[Any], body: bytes) -> Any:
    try:
        return adapter.validate_json(body)
    except ValidationError as exc:
        if any(error["type"] == "json_invalid" for error in exc.errors()):
            raise ApiTransportError("the operator's answer is not JSON") from None
        raise ApiError(
            f"the operator's answer does not match the API contract ({exc.error_count()} problems)"
        ) from None


def _validated(adapter: TypeAdapter[Any], data: Any) -> Any:
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        raise ApiError(
            f"the operator's answer does not match the API contract ({exc.error_count()} problems)"
        ) from None

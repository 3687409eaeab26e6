"""`MtsClient`: the `mts-business` dialect of the operator port.

A quota is one connected catalogue rule: `on_exceed: block` is the rule configured as
`QUOTABULK_MTS_RULE_BLOCK`, `personal` the one of `QUOTABULK_MTS_RULE_PERSONAL`, its
`limitValue` the limit. The operator has no idempotency key, no versions, no edit in one
request and one status call per event; its capabilities say so, and the engine keeps a
change single by itself. A connect or disconnect whose answer is lost is therefore never
retried here (`AnswerLost`): only calls that change nothing are.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from quotabulk.domain.errors import AnswerLost, ApiError, ApiTransportError, Rejected, Throttled
from quotabulk.domain.models import OnExceed, Quota, Subscriber
from quotabulk.domain.quota_rules import QuotaRules
from quotabulk.domain.requests import Operation, Request, RequestStatus
from quotabulk.operator.budget import OperatorBudget
from quotabulk.operator.connect import OnRetry, RetryPolicy
from quotabulk.operator.http.errors import HTTPX_ERRORS, translate_httpx_error
from quotabulk.operator.mts.errors import EXPIRED_TOKEN_CODES, mts_status_error
from quotabulk.operator.mts.tokens import Tokens
from quotabulk.operator.mts.wire import (
    OfferedRule,
    ProvidedRule,
    RuleRef,
    offered_rules,
    provided_rules,
)
from quotabulk.operator.port import Capabilities, Pacer, RawRead
from quotabulk.operator.raw import raw_read
from quotabulk.operator.retry import with_retries

B2B = "/b2b/v1"
PAGE_SIZE = 1000
CALL_CAP_S = 60.0
CAPABILITIES = Capabilities(
    idempotent_submits=False,
    conditional_writes=False,
    status_batch=1,
    native_edit=False,
    free_limit_values=False,
    thresholds=False,
    request_history=False,
)
# The httpx faults that mean the request never left: sending again cannot double it.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_STATUS = {
    "InProgress": RequestStatus.IN_PROGRESS,
    "Completed": RequestStatus.COMPLETED,
    "Faulted": RequestStatus.REJECTED,
}


class MtsClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        tokens: Tokens,
        account: str,
        rules: Mapping[OnExceed, RuleRef],
        *,
        retry: RetryPolicy | None = None,
        on_retry: OnRetry | None = None,
        url: str = "",
        budget: OperatorBudget | None = None,
    ) -> None:
        self.http = http
        self.tokens = tokens
        self._account = account
        self.rules: dict[OnExceed, RuleRef] = {}
        self._kind_of: dict[RuleRef, OnExceed] = {}
        self.use_rules(rules)
        self._url = url or str(http.base_url)
        self.budget = budget or OperatorBudget()
        self.retry = retry or RetryPolicy()
        self.on_retry = on_retry
        self.pacer: Pacer | None = None
        self.calls = 0
        self.offered: list[OfferedRule] = []
        self._numbers: set[str] | None = None

    @property
    def capabilities(self) -> Capabilities:
        return CAPABILITIES

    @property
    def account(self) -> str:
        return self._account

    @property
    def url(self) -> str:
        return self._url

    def pace_with(self, pacer: Pacer) -> None:
        self.pacer = pacer

    def use_rules(self, rules: Mapping[OnExceed, RuleRef]) -> None:
        """The rule that is a quota of each kind."""
        self.rules = dict(rules)
        self._kind_of = {ref: kind for kind, ref in self.rules.items()}

    # -- reads ----------------------------------------------------------------------------

    async def catalogue(self) -> list[OfferedRule]:
        """The rules the account may connect (`AvailableRulesByAccount`)."""
        answer = await self._call(
            "POST",
            f"{B2B}/CorporateBudget/AvailableRulesByAccount",
            json={"personalAccountNumber": self._account},
        )
        self.offered = offered_rules(answer)
        return self.offered

    async def quota_rules(self) -> QuotaRules:
        """No thresholds; for each kind of quota, the values its rule offers."""
        offered = {rule.ref: rule.values for rule in self.offered or await self.catalogue()}
        return QuotaRules(
            thresholds=False, values={kind: offered.get(ref) for kind, ref in self.rules.items()}
        )

    async def numbers(self) -> set[str]:
        """Every number of the account (`HierarchyStructure`, a thousand a page)."""
        found: set[str] = set()
        page = 1
        while True:
            answer = await self._call(
                "GET",
                f"{B2B}/Service/HierarchyStructure",
                params={"account": self._account, "pageNum": page, "pageSize": PAGE_SIZE},
            )
            if not isinstance(answer, dict) or not isinstance(answer.get("msisdns"), list):
                raise ApiError("the operator's list of numbers is not understood")
            found.update(str(m) for m in answer["msisdns"])
            if not answer.get("hasMore"):
                self._numbers = found
                return found
            page += 1

    async def account_rules(self) -> list[ProvidedRule]:
        """Every rule connected on the account, in one call."""
        answer = await self._call(
            "POST",
            f"{B2B}/CorporateBudget/ProvidedRulesByAccount",
            json={"personalAccountNumber": self._account, "language": "Ru"},
        )
        return provided_rules(answer)

    async def number_rules(self, msisdn: str) -> list[ProvidedRule]:
        answer = await self._call(
            "POST",
            f"{B2B}/CorporateBudget/ProvidedRulesByMSISDN",
            json={"msisdn": msisdn, "language": "Ru"},
        )
        return provided_rules(answer, msisdn)

    async def subscribers(self) -> dict[str, Subscriber]:
        """Every number with the quota its rules make (two calls for up to a thousand)."""
        numbers = await self.numbers()
        return self._subscribers(numbers, await self.account_rules())

    async def subscribers_of(self, msisdns: Sequence[str]) -> dict[str, Subscriber]:
        """The named numbers: one number's own rules, or the account's when several are
        asked (one call either way); numbers not on the account are left out."""
        numbers = self._numbers if self._numbers is not None else await self.numbers()
        wanted = [m for m in msisdns if m in numbers]
        if not wanted:
            return {}
        if len(wanted) == 1:
            rules = await self.number_rules(wanted[0])
        else:
            rules = await self.account_rules()
        return self._subscribers(set(wanted), rules)

    def _subscribers(self, numbers: set[str], rules: list[ProvidedRule]) -> dict[str, Subscriber]:
        ours: dict[str, list[Quota]] = {}
        others: dict[str, list[str]] = {}
        for rule in rules:
            if rule.msisdn not in numbers:
                continue
            kind = self._kind_of.get(rule.ref)
            if kind is None or rule.value is None:
                others.setdefault(rule.msisdn, []).append(f"«{rule.title}» ({rule.ref})")
            else:
                ours.setdefault(rule.msisdn, []).append(Quota(rule.value, None, kind))
        found = {}
        for msisdn in numbers:
            quotas = ours.get(msisdn, [])
            found[msisdn] = Subscriber(
                msisdn,
                quotas[0] if quotas else None,
                copies=tuple(quotas[1:]),
                foreign=tuple(others.get(msisdn, ())),
            )
        return found

    # -- changes --------------------------------------------------------------------------

    async def submit(
        self,
        msisdn: str,
        operation: Operation,
        quota: Quota | None,
        key: str,
        if_match: int | None = None,
        before: Quota | None = None,
    ) -> Request:
        """A connect (`add`, of `quota`) or a disconnect (`delete`, of `before`, one copy).
        `key` and `if_match` mean nothing to this operator. Raises `AnswerLost` when the
        call may have reached the operator but its answer did not come back."""
        if operation is Operation.ADD and quota is not None:
            path, body = "AddChargeRuleByMSISDN", self._rule(msisdn, quota)
            body["limitValue"] = f"{quota.limit:f}".rstrip("0").rstrip(".")
        elif operation is Operation.DELETE and before is not None:
            path, body = "RemoveChargeRuleByMSISDN", self._rule(msisdn, before)
            body["allDuplicates"] = False
        else:
            raise ApiError(f"{operation.value} is not one request at this operator")
        answer = await self._call("POST", f"{B2B}/CorporateBudget/{path}", json=body, resend=False)
        event = answer.get("eventId") if isinstance(answer, dict) else None
        if not event:
            raise ApiError("the operator accepted the change but gave no event id")
        now = datetime.now(UTC)
        shown = quota if operation is Operation.ADD else None
        return Request(
            str(event), msisdn, operation, shown, RequestStatus.IN_PROGRESS, None, now, now
        )

    def _rule(self, msisdn: str, quota: Quota) -> dict[str, Any]:
        ref = self.rules[quota.on_exceed]
        return {"msisdn": msisdn, "productCode": ref.code, "productVersionId": ref.version}

    async def statuses(self, request_ids: Sequence[str]) -> list[Request]:
        """One `GetStatus` call per event; unknown events are left out."""
        found = []
        for event in request_ids:
            try:
                answer = await self._call(
                    "POST", f"{B2B}/Operations/GetStatus", json={"eventId": event}
                )
            except Rejected as exc:
                if exc.status == 404:
                    continue
                raise
            status = _STATUS.get(str(answer.get("operationStatusCode")), RequestStatus.IN_PROGRESS)
            reason = answer.get("errorMessage") if status is RequestStatus.REJECTED else None
            now = datetime.now(UTC)
            found.append(
                Request(event, "", Operation.ADD, None, status, reason and str(reason), now, now)
            )
        return found

    async def history(
        self, since: datetime | None = None, msisdn: str | None = None
    ) -> list[Request]:
        """This operator keeps no history of budget events: the journal is the only one."""
        return []

    async def raw_reads(self) -> list[RawRead]:
        """One call of each read, answers as they came (no retry, no parsing)."""
        headers = {"Authorization": f"Bearer {await self.tokens.bearer()}"}
        account = {"personalAccountNumber": self._account}
        budget = f"{B2B}/CorporateBudget"
        reads = [
            await raw_read(
                self.http,
                "the account's numbers, first page",
                "GET",
                f"{B2B}/Service/HierarchyStructure",
                headers=headers,
                params={"account": self._account, "pageNum": 1, "pageSize": 3},
            ),
            await raw_read(
                self.http,
                "the rules the account may connect",
                "POST",
                f"{budget}/AvailableRulesByAccount",
                headers=headers,
                json=account,
            ),
            await raw_read(
                self.http,
                "the rules connected on the account",
                "POST",
                f"{budget}/ProvidedRulesByAccount",
                headers=headers,
                json=account,
            ),
        ]
        first = _first_number(reads[0].body)
        if first is not None:
            reads.append(
                await raw_read(
                    self.http,
                    f"the rules connected on {first}",
                    "POST",
                    f"{budget}/ProvidedRulesByMSISDN",
                    headers=headers,
                    json={"msisdn": first},
                )
            )
        reads.append(
            await raw_read(
                self.http,
                "the status of an event that does not exist (the shape of an error)",
                "POST",
                f"{B2B}/Operations/GetStatus",
                headers=headers,
                json={"eventId": "quotabulk-doctor-no-such-event"},
                expect_refusal=True,
            )
        )
        return reads

    # -- one call -------------------------------------------------------------------------

    async def _call(self, method: str, path: str, *, resend: bool = True, **kwargs: Any) -> Any:
        """The answer's JSON, retried within the operator budget. A call with `resend`
        False (a change) is retried only when it surely never left: a refusal, a
        connection never made; a lost answer is `AnswerLost`."""

        async def once() -> Any:
            if self.pacer is not None:
                await self.pacer.take()
            self.calls += 1
            token = await self.tokens.bearer()
            response = await self._send(method, path, token, resend, kwargs)
            if response.status_code == 401 and _code(response) in EXPIRED_TOKEN_CODES:
                self.tokens.expired(token)  # renewed once; a second refusal is an error
                token = await self.tokens.bearer()
                response = await self._send(method, path, token, resend, kwargs)
            if not response.is_success:
                error = mts_status_error(response)
                if isinstance(error, Throttled) and self.pacer is not None:
                    self.pacer.slow_down()
                elif not error.retryable:
                    self.budget.good()
                raise error
            try:
                answer = response.json()
            except ValueError:
                if not resend:
                    raise AnswerLost("the operator's answer to a change is not JSON") from None
                raise ApiTransportError("the operator's answer is not JSON") from None
            self.budget.good()
            return answer

        return await with_retries(once, self.retry, self.budget, self._url, self.on_retry)

    async def _send(
        self, method: str, path: str, token: str, resend: bool, kwargs: dict[str, Any]
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        limit = max(0.05, min(CALL_CAP_S, self.budget.remaining()))
        try:
            return await asyncio.wait_for(
                self.http.request(method, path, headers=headers, **kwargs), timeout=limit
            )
        except TimeoutError:
            if not resend:
                raise AnswerLost("the operator did not answer a change in time") from None
            raise ApiTransportError("the operator did not answer in time") from None
        except HTTPX_ERRORS as exc:
            error = translate_httpx_error(exc)
            if (
                not resend
                and isinstance(error, ApiTransportError)
                and not isinstance(exc, _NOT_SENT)
            ):
                raise AnswerLost(error.message) from None
            raise error from None


def _first_number(shown: str) -> str | None:
    try:
        msisdns = json.loads(shown).get("msisdns") or []
    except (ValueError, AttributeError):
        return None
    return str(msisdns[0]) if msisdns else None


def _code(response: httpx.Response) -> int | None:
    try:
        return int(response.json()["error"]["errorCode"])
    except (ValueError, KeyError, TypeError):
        return None

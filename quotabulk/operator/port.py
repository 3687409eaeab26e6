"""The operator as the engine sees it: a small Protocol in domain types.

A dialect (today `operator/http/`) implements it; the engine, the app layer and the
faces know only this. Failures are the `ApiError` family of `quotabulk.domain.errors`
(`StaleVersion`, `RequestInFlight`, `Throttled`, `Rejected`, `OperatorUnavailable`, …),
never a dialect's own status codes; what the operator can do is its `Capabilities`, and
the engine picks its strategy from them (SQLAlchemy's dialects declare theirs the same
way).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from quotabulk.domain.models import Quota, Subscriber
from quotabulk.domain.quota_rules import QuotaRules
from quotabulk.domain.requests import Operation, Request

if TYPE_CHECKING:  # pydantic costs 0.1 s to import
    from pydantic import SecretStr

DEFAULT_OPERATOR_TIMEOUT_S = 120.0
# The variables that configure the operator, named in the messages that say what to fix
# (read by `quotabulk.config`, the one module that reads the environment).
ENV_TOKEN = "QUOTABULK_TOKEN"  # noqa: S105 - the variable's name, not a token
ENV_ACCOUNT = "QUOTABULK_ACCOUNT"
ENV_API_DIALECT = "QUOTABULK_API_DIALECT"


@dataclass(frozen=True)
class Capabilities:
    """What an operator's API offers."""

    # Submitting again with the same key returns the original request, never a second.
    idempotent_submits: bool = True
    # A submit carries the subscriber version it was planned against, and is refused
    # (`StaleVersion`) when the subscriber changed since.
    conditional_writes: bool = True
    # How many requests' statuses one call reads (1: a call per request).
    status_batch: int = 500
    # An edit is one request (else a removal and an addition).
    native_edit: bool = True
    # Any amount is a limit (else a catalogue of allowed values).
    free_limit_values: bool = True
    # A notification threshold can be set.
    thresholds: bool = True
    # The operator lists the requests made on the account («История заявок»).
    request_history: bool = True


@dataclass(frozen=True)
class RawRead:
    """One call and its answer: `status` None when no answer came (`body` says why)."""

    name: str
    method: str
    path: str
    status: int | None
    body: str
    expect_refusal: bool = False  # a call made to show the shape of the operator's errors

    @property
    def as_expected(self) -> bool:
        if self.status is None:
            return False
        return self.expect_refusal or 200 <= self.status < 300


@dataclass(frozen=True)
class OperatorConfig:
    """Where the operator is and who we are there: what a dialect is opened with."""

    dialect: str
    api_url: str | None  # None: the caller injects a transport (the embedded sandbox)
    shown_url: str  # without credentials: in messages, reports and a run's identity
    token: SecretStr | None
    account: str | None  # None: the only account the credentials may use
    timeout_s: float = DEFAULT_OPERATOR_TIMEOUT_S  # --operator-timeout
    ca_bundle: Path | None = None
    # OAuth2 client credentials: the id here, the secret as `token`.
    client_id: str | None = None
    # A dialect's own settings by name (`mts-business`: the rule of each `on_exceed`).
    rules: Mapping[str, str] = field(default_factory=dict)


class Pacer(Protocol):
    """A rate limit the engine owns and a dialect keeps to: every call to the operator
    (retries and polls included) waits its turn, and a throttled answer slows it down."""

    async def take(self) -> None: ...

    def slow_down(self) -> None: ...


class Operator(Protocol):
    """One account at one operator."""

    @property
    def capabilities(self) -> Capabilities:
        """What this operator offers."""

    def pace_with(self, pacer: Pacer) -> None:
        """Keep every later call to `pacer`'s rate."""

    @property
    def account(self) -> str:
        """The account worked on."""

    @property
    def url(self) -> str:
        """Where the operator is, without credentials: part of a run's identity."""

    async def subscribers(self) -> dict[str, Subscriber]:
        """Every subscriber of the account with its quota and version."""

    async def subscribers_of(self, msisdns: Sequence[str]) -> dict[str, Subscriber]:
        """The named subscribers with their quotas and versions; numbers not on the
        account are left out."""

    async def submit(
        self,
        msisdn: str,
        operation: Operation,
        quota: Quota | None,
        key: str,
        if_match: int | None = None,
        before: Quota | None = None,
    ) -> Request:
        """Submit one request. With `idempotent_submits`, the same `key` returns the same
        request, never a second one; with `conditional_writes`, `if_match` refuses it
        (`StaleVersion`) when the subscriber changed since. `before`: the quota a
        `delete` removes (an operator of rules disconnects that rule). Without
        idempotent submits, a change whose answer was lost raises `AnswerLost`."""

    async def quota_rules(self) -> QuotaRules:
        """What quotas the operator accepts (values offered, thresholds)."""

    async def statuses(self, request_ids: Sequence[str]) -> list[Request]:
        """Statuses of many requests; unknown ids are left out."""

    async def raw_reads(self) -> list[RawRead]:
        """One call of each read, answered as it came, secrets blanked (`doctor`)."""
        ...

    async def history(
        self, since: datetime | None = None, msisdn: str | None = None
    ) -> list[Request]:
        """The request history («История заявок»), oldest first."""

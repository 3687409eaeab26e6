"""The operator as the engine sees it: a small Protocol in domain types.

A dialect (today `operator/http/`) implements it; the engine, the app layer and the
faces know only this. Failures are `ApiError`s from `quotabulk.domain.errors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from quotabulk.domain.models import Quota, Subscriber
from quotabulk.domain.requests import Operation, Request


class Operator(Protocol):
    """One account at one operator."""

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
    ) -> Request:
        """Submit one request. The same `key` returns the same request, never a second one;
        `if_match` refuses it (`ApiStatusError` 412) when the subscriber changed since."""

    async def statuses(self, request_ids: Sequence[str]) -> list[Request]:
        """Statuses of many requests; unknown ids are left out."""

    async def history(
        self, since: datetime | None = None, msisdn: str | None = None
    ) -> list[Request]:
        """The request history («История заявок»), oldest first."""

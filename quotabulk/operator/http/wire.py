"""The HTTP dialect's wire messages, shared by the client and the sandbox that serves them.

These models are the contract: `schemas/operator-api.json` is generated from the sandbox
app that declares them. Amounts travel as decimal strings ("1500.00") so no float ever
touches money.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from quotabulk.domain.models import OnExceed, Quota
from quotabulk.domain.requests import Operation, Request, RequestStatus

API_PREFIX = "/v1"
MAX_PAGE = 1000
MAX_STATUS_IDS = 500
MSISDN_PATTERN = r"^7\d{10}$"

Msisdn = Annotated[str, Field(pattern=MSISDN_PATTERN, examples=["79123456789"])]
Amount = Annotated[Decimal, Field(ge=0, decimal_places=2, max_digits=12)]


class SubscriberStatus(StrEnum):
    ACTIVE = "active"
    BLOCKED = "blocked"


class ApiQuota(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    limit: Amount = Field(description="rubles per month; 0 means nothing may be spent")
    warn_at: Amount | None = Field(None, description="notification threshold in rubles")
    on_exceed: OnExceed = OnExceed.BLOCK

    @model_validator(mode="after")
    def _threshold_within_limit(self) -> ApiQuota:
        if self.warn_at is not None and self.warn_at > self.limit:
            raise ValueError("warn_at must not be above limit")
        return self

    def to_quota(self) -> Quota:
        return Quota(self.limit, self.warn_at, self.on_exceed)

    @classmethod
    def of(cls, quota: Quota) -> ApiQuota:
        return cls(limit=quota.limit, warn_at=quota.warn_at, on_exceed=quota.on_exceed)


class ApiSubscriber(BaseModel):
    model_config = ConfigDict(frozen=True)

    msisdn: Msisdn
    status: SubscriberStatus
    quota: ApiQuota | None
    version: int = Field(
        0, ge=0, description="rises whenever a request for the subscriber becomes final"
    )


class SubscriberPage(BaseModel):
    items: list[ApiSubscriber]
    next_cursor: str | None = Field(None, description="pass as `cursor` for the next page")


class SubmitRequest(BaseModel):
    """One add/edit/delete of one subscriber's quota, as the cabinet's «Применить»."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    msisdn: Msisdn
    operation: Operation
    quota: ApiQuota | None = Field(None, description="required for add and edit; absent for delete")

    @model_validator(mode="after")
    def _quota_matches_operation(self) -> SubmitRequest:
        if (self.operation is Operation.DELETE) != (self.quota is None):
            raise ValueError("add and edit need a quota; delete takes none")
        return self


class ApiRequest(BaseModel):
    """A request (заявка) and where it stands."""

    model_config = ConfigDict(frozen=True)

    request_id: str = Field(examples=["Z-2026-0001234"])
    msisdn: Msisdn
    operation: Operation
    quota: ApiQuota | None
    status: RequestStatus
    reason: str | None = Field(None, description="why it was rejected, in words")
    created_at: datetime
    updated_at: datetime

    def to_request(self) -> Request:
        quota = None if self.quota is None else self.quota.to_quota()
        return Request(
            self.request_id,
            self.msisdn,
            self.operation,
            quota,
            self.status,
            self.reason,
            self.created_at,
            self.updated_at,
        )


class StatusQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(min_length=1, max_length=MAX_STATUS_IDS)


class RequestList(BaseModel):
    items: list[ApiRequest]
    next_cursor: str | None = None


class AccountList(BaseModel):
    items: list[str] = Field(examples=[["ACC-100200"]])


class ErrorBody(BaseModel):
    code: str = Field(examples=["subscriber_not_found"])
    message: str

"""Requests (заявки): what the operator makes of one add/edit/delete, in domain terms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from quotabulk.domain.models import Quota


class RequestStatus(StrEnum):
    """Where a request stands: «Новая», «В обработке», «Выполнена», «Отклонена»."""

    NEW = "new"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    REJECTED = "rejected"

    @property
    def final(self) -> bool:
        return self in (RequestStatus.COMPLETED, RequestStatus.REJECTED)


class Operation(StrEnum):
    """The cabinet's three buttons: «Добавить», «Изменить», «Удалить»."""

    ADD = "add"
    EDIT = "edit"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class Request:
    """One request at the operator and its status; `reason` says why it was rejected."""

    request_id: str
    msisdn: str
    operation: Operation
    quota: Quota | None
    status: RequestStatus
    reason: str | None
    created_at: datetime
    updated_at: datetime
    reason_code: str | None = None

"""Who may do what (maker, checker, admin) and what the audit trail records."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    MAKER = "maker"  # prepares plans (uploads, `plan --as`)
    CHECKER = "checker"  # approves or declines another user's plan
    ADMIN = "admin"  # manages users and policies; never approves


class Event(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    DECLINED = "declined"
    RUN = "run"
    USER_ADDED = "user added"
    USER_DISABLED = "user disabled"
    PASSWORD_CHANGED = "password changed"  # noqa: S105 - an event's name
    POLICY_SET = "policy set"


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    password_hash: str
    disabled: bool


@dataclass(frozen=True)
class AuditRecord:
    at: str
    event: Event
    user: str
    digest: str
    run_id: str | None
    detail: dict[str, Any]

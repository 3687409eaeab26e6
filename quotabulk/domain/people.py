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
    RUN_REFUSED = "run refused"  # a start or resume the approval gate stopped
    USER_UNLOCKED = "user unlocked"


class SubmissionState(StrEnum):
    """A submission waits for exactly one decision; the first one taken stands."""

    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    password_hash: str
    disabled: bool
    # Raised by every password change and disable: a session of an older revision ends.
    revision: int = 0


@dataclass(frozen=True)
class Submission:
    """One time a maker put a plan (by its digest) before the checkers, and its decision."""

    id: int
    digest: str
    maker: str
    submitted_at: str
    state: SubmissionState
    decided_by: str | None = None
    decided_at: str | None = None
    comment: str = ""


@dataclass(frozen=True)
class AuditRecord:
    at: str
    event: Event
    user: str
    digest: str
    run_id: str | None
    detail: dict[str, Any]

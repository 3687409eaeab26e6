"""Users, home-wide policies and the audit trail, in the journal's file.

The audit table is append-only: triggers refuse any UPDATE or DELETE, so neither the
console nor the CLI (nor a bug in either) can rewrite who submitted or approved what.
"""

from __future__ import annotations

import json
from typing import Any

from quotabulk.domain.people import AuditRecord, Event, Role, User
from quotabulk.store.journal import Journal, now_iso

__all__ = ["AuditRecord", "Event", "People", "Role", "User"]


class People:
    """The maker–checker records of one home, on the journal's connection."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.db = journal.db

    # -- users ---------------------------------------------------------------------------

    def user(self, name: str) -> User | None:
        row = self.db.execute(
            "SELECT name, role, password_hash, disabled FROM users WHERE name = ?", (name,)
        ).fetchone()
        return None if row is None else User(row[0], Role(row[1]), row[2], bool(row[3]))

    def users(self) -> list[User]:
        rows = self.db.execute(
            "SELECT name, role, password_hash, disabled FROM users ORDER BY name"
        ).fetchall()
        return [User(r[0], Role(r[1]), r[2], bool(r[3])) for r in rows]

    def add_user(self, name: str, role: Role, password_hash: str, by: str) -> None:
        self._change(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
            (name, role.value, password_hash, now_iso()),
            Event.USER_ADDED,
            by,
            {"name": name, "role": role.value},
        )

    def disable_user(self, name: str, by: str) -> None:
        self._change(
            "UPDATE users SET disabled = 1 WHERE name = ?",
            (name,),
            Event.USER_DISABLED,
            by,
            {"name": name},
        )

    def set_password(self, name: str, password_hash: str, by: str) -> None:
        self._change(
            "UPDATE users SET password_hash = ? WHERE name = ?",
            (password_hash, name),
            Event.PASSWORD_CHANGED,
            by,
            {"name": name},
        )

    def _change(
        self, sql: str, params: tuple[Any, ...], event: Event, by: str, detail: dict[str, Any]
    ) -> None:
        """A change to users or policies and its audit record, in one transaction."""
        with self.journal.transaction() as db:
            db.execute(sql, params)
            self._record(event, by, detail=detail)

    # -- policies ------------------------------------------------------------------------

    def policy(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM policies WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_policy(self, name: str, value: str, by: str) -> None:
        self._change(
            "INSERT INTO policies (name, value) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, value),
            Event.POLICY_SET,
            by,
            {"policy": name, "value": value},
        )

    # -- the audit trail -----------------------------------------------------------------

    def record(
        self,
        event: Event,
        user: str,
        digest: str = "",
        run_id: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        with self.journal.transaction():
            self._record(event, user, digest, run_id, detail)

    def _record(
        self,
        event: Event,
        user: str,
        digest: str = "",
        run_id: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.db.execute(
            "INSERT INTO audit (at, event, user, digest, run_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
            (
                now_iso(),
                event.value,
                user,
                digest,
                run_id,
                json.dumps(detail or {}, ensure_ascii=False),
            ),
        )

    def trail(self, digest: str) -> list[AuditRecord]:
        """Everything recorded about one plan, oldest first."""
        rows = self.db.execute(
            "SELECT at, event, user, digest, run_id, detail FROM audit WHERE digest = ?"
            " ORDER BY id",
            (digest,),
        ).fetchall()
        return [AuditRecord(r[0], Event(r[1]), r[2], r[3], r[4], json.loads(r[5])) for r in rows]

    def pending(self) -> list[AuditRecord]:
        """Submitted plans nobody has approved or declined yet, newest first."""
        rows = self.db.execute(
            "SELECT at, event, user, digest, run_id, detail FROM audit AS s"
            " WHERE event = 'submitted' AND NOT EXISTS (SELECT 1 FROM audit AS d"
            "  WHERE d.digest = s.digest AND d.event IN ('approved', 'declined')"
            "  AND d.id > s.id)"
            " ORDER BY id DESC"
        ).fetchall()
        return [AuditRecord(r[0], Event(r[1]), r[2], r[3], r[4], json.loads(r[5])) for r in rows]

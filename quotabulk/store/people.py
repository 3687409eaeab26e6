"""Users, home-wide policies and the audit trail, in the journal's file.

The audit table is append-only: triggers refuse any UPDATE or DELETE, so neither the
console nor the CLI (nor a bug in either) can rewrite who submitted or approved what.
"""

from __future__ import annotations

import json
from typing import Any

from quotabulk.domain.people import AuditRecord, Event, Role, Submission, SubmissionState, User
from quotabulk.store.journal import Journal, now_iso

__all__ = ["AuditRecord", "Event", "People", "Role", "Submission", "SubmissionState", "User"]

_USER_COLUMNS = "name, role, password_hash, disabled, revision"
_SUBMISSION_COLUMNS = "id, digest, maker, submitted_at, state, decided_by, decided_at, comment"


class People:
    """The maker–checker records of one home, on the journal's connection."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.db = journal.db

    # -- users ---------------------------------------------------------------------------

    def user(self, name: str) -> User | None:
        row = self.db.execute(
            f"SELECT {_USER_COLUMNS} FROM users WHERE name = ?", (name,)
        ).fetchone()
        return None if row is None else _user(row)

    def users(self) -> list[User]:
        rows = self.db.execute(f"SELECT {_USER_COLUMNS} FROM users ORDER BY name").fetchall()
        return [_user(r) for r in rows]

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
            "UPDATE users SET disabled = 1, revision = revision + 1 WHERE name = ?",
            (name,),
            Event.USER_DISABLED,
            by,
            {"name": name},
        )

    def set_password(self, name: str, password_hash: str, by: str) -> None:
        self._change(
            "UPDATE users SET password_hash = ?, revision = revision + 1 WHERE name = ?",
            (password_hash, name),
            Event.PASSWORD_CHANGED,
            by,
            {"name": name},
        )

    def unlock(self, name: str, by: str) -> int:
        """Forget the sign-in failures of a name (from every address); how many there were."""
        with self.journal.transaction() as db:
            found = db.execute("DELETE FROM login_failures WHERE key = ?", (name_key(name),))
            db.execute(
                "DELETE FROM login_failures WHERE key LIKE ? ESCAPE '\\'",
                (_like_prefix(name_key(name) + "|"),),
            )
            failures = found.rowcount
            self._record(Event.USER_UNLOCKED, by, detail={"name": name, "failures": failures})
        return int(failures)

    # -- sign-in failures ----------------------------------------------------------------

    def failures_since(self, key: str, since: float) -> list[float]:
        """When sign-ins under `key` failed since `since` (Unix time), oldest first."""
        rows = self.db.execute(
            "SELECT at FROM login_failures WHERE key = ? AND at > ? ORDER BY at", (key, since)
        ).fetchall()
        return [float(r[0]) for r in rows]

    def fail(self, keys: tuple[str, ...], at: float, forget_before: float) -> None:
        with self.journal.transaction() as db:
            db.executemany(
                "INSERT INTO login_failures (key, at) VALUES (?, ?)", [(k, at) for k in keys]
            )
            db.execute("DELETE FROM login_failures WHERE at < ?", (forget_before,))

    def forget_failures(self, keys: tuple[str, ...]) -> None:
        with self.journal.transaction() as db:
            db.executemany("DELETE FROM login_failures WHERE key = ?", [(k,) for k in keys])

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
        """Everything recorded about one plan, oldest first — with a plan over several
        accounts, about the whole and each account's part alike: an account's run shows
        the whole's submission and approval, the whole shows its accounts' runs."""
        related = [digest, *self.digests_containing(digest), *self.parts_of(digest)]
        marks = ", ".join("?" for _ in related)
        rows = self.db.execute(
            "SELECT at, event, user, digest, run_id, detail FROM audit"
            f" WHERE digest IN ({marks}) ORDER BY id",  # only placeholders are formatted in
            related,
        ).fetchall()
        return [AuditRecord(r[0], Event(r[1]), r[2], r[3], r[4], json.loads(r[5])) for r in rows]

    def parts_of(self, digest: str) -> list[str]:
        """The accounts' own plan digests of a plan over several accounts (none: one)."""
        rows = self.db.execute(
            "SELECT DISTINCT p.value FROM audit, json_each(audit.detail, '$.parts') AS p"
            " WHERE audit.event = ? AND audit.digest = ?",
            (Event.SUBMITTED.value, digest),
        ).fetchall()
        return [str(r[0]) for r in rows]

    # -- submissions and their one decision ----------------------------------------------

    def submit(self, digest: str, maker: str, detail: dict[str, Any]) -> Submission:
        """A new submission of the plan, waiting for a decision, and its audit record."""
        stamp = now_iso()
        with self.journal.transaction() as db:
            cursor = db.execute(
                "INSERT INTO submissions (digest, maker, submitted_at) VALUES (?, ?, ?)",
                (digest, maker, stamp),
            )
            number = int(cursor.lastrowid or 0)
            self._record(Event.SUBMITTED, maker, digest, detail={**detail, "submission": number})
        return Submission(number, digest, maker, stamp, SubmissionState.PENDING)

    def submission(self, number: int) -> Submission | None:
        row = self.db.execute(
            f"SELECT {_SUBMISSION_COLUMNS} FROM submissions WHERE id = ?", (number,)
        ).fetchone()
        return None if row is None else _submission(row)

    def digests_of_schedule(self, schedule: str) -> list[str]:
        """The plans submitted as days of this schedule (periods), newest first."""
        rows = self.db.execute(
            "SELECT digest FROM audit WHERE event = ? AND json_extract(detail, '$.schedule') = ?"
            " GROUP BY digest ORDER BY MAX(id) DESC",
            (Event.SUBMITTED.value, schedule),
        ).fetchall()
        return [str(r[0]) for r in rows]

    def digests_containing(self, part: str) -> list[str]:
        """The plans over several accounts submitted with this account's plan digest (or
        schedule) among their parts, newest first."""
        rows = self.db.execute(
            "SELECT digest FROM audit WHERE event = :event AND EXISTS (SELECT 1 FROM"
            " json_each(audit.detail, '$.parts') AS p WHERE p.value = :part UNION ALL SELECT 1"
            " FROM json_each(audit.detail, '$.schedules') AS s WHERE s.value = :part)"
            " GROUP BY digest ORDER BY MAX(id) DESC",
            {"event": Event.SUBMITTED.value, "part": part},
        ).fetchall()
        return [str(r[0]) for r in rows]

    def submissions(self, digest: str) -> list[Submission]:
        """Every submission of one plan, oldest first."""
        rows = self.db.execute(
            f"SELECT {_SUBMISSION_COLUMNS} FROM submissions WHERE digest = ? ORDER BY id",
            (digest,),
        ).fetchall()
        return [_submission(r) for r in rows]

    def decide(
        self, number: int, checker: str, state: SubmissionState, comment: str
    ) -> Submission | None:
        """Take the decision if the submission still waits for one: a conditional update in
        one write transaction, so of two deciders (two tabs, two processes) exactly one
        passes, and only that one is audited. None when a decision stood already."""
        event = Event.APPROVED if state is SubmissionState.APPROVED else Event.DECLINED
        stamp = now_iso()
        with self.journal.transaction() as db:
            taken = db.execute(
                "UPDATE submissions SET state = ?, decided_by = ?, decided_at = ?, comment = ?"
                " WHERE id = ? AND state = 'pending'",
                (state.value, checker, stamp, comment, number),
            ).rowcount
            if taken != 1:
                return None
            row = db.execute(
                f"SELECT {_SUBMISSION_COLUMNS} FROM submissions WHERE id = ?", (number,)
            ).fetchone()
            found = _submission(row)
            detail = {"comment": comment, "submission": number}
            self._record(event, checker, found.digest, detail=detail)
        return found

    def pending(self) -> list[Submission]:
        """Submissions waiting for a decision, newest first."""
        rows = self.db.execute(
            f"SELECT {_SUBMISSION_COLUMNS} FROM submissions WHERE state = 'pending'"
            " ORDER BY id DESC"
        ).fetchall()
        return [_submission(r) for r in rows]

    def submission_detail(self, number: int) -> dict[str, Any]:
        """What the maker's audit record says about a submission (files, account, summary)."""
        for row in self.db.execute(
            "SELECT detail FROM audit WHERE event = 'submitted' AND"
            " json_extract(detail, '$.submission') = ?",
            (number,),
        ):
            found: dict[str, Any] = json.loads(row[0])
            return found
        return {}


def name_key(name: str) -> str:
    """The throttle's key of a user name, as the console and `users unlock` spell it."""
    return f"name:{name.casefold()}"


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _user(row: Any) -> User:
    return User(row[0], Role(row[1]), row[2], bool(row[3]), int(row[4]))


def _submission(row: Any) -> Submission:
    number, digest, maker, at, state, by, decided_at, comment = row
    return Submission(
        int(number), digest, maker, at, SubmissionState(state), by, decided_at, comment or ""
    )

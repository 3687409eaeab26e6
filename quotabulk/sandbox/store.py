"""The sandbox operator's state on SQLite, and the cabinet's rules for requests.

Requests are processed lazily: every call first *settles* the account, moving each
request whose time has come from `new` to `in_progress` to a final status and changing
the quota only on completion. No background thread, so state is exact at every read
and a sandbox shared by several processes (WAL) agrees with itself.
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from quotabulk.domain.amounts import format_amount
from quotabulk.domain.models import Quota, Subscriber
from quotabulk.domain.requests import Operation, RequestStatus
from quotabulk.operator.http.wire import RejectionCode, SubmitRequest
from quotabulk.store.sqlite_db import immediate, open_wal

ACCOUNT_CEILING = Decimal(100_000)
DEFAULT_PROCESSING_MS = 1500

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (account TEXT PRIMARY KEY, next_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS subscribers (
    account TEXT NOT NULL, msisdn TEXT NOT NULL, blocked INTEGER NOT NULL DEFAULT 0,
    quota TEXT, version INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (account, msisdn)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS requests (
    account TEXT NOT NULL, seq INTEGER NOT NULL, request_id TEXT NOT NULL,
    msisdn TEXT NOT NULL, operation TEXT NOT NULL, quota TEXT, status TEXT NOT NULL,
    reason TEXT, reason_code TEXT,
    created_at REAL NOT NULL, updated_at REAL NOT NULL, due_at REAL NOT NULL,
    forced_reject INTEGER NOT NULL DEFAULT 0, idem_key TEXT NOT NULL, body_hash TEXT NOT NULL,
    PRIMARY KEY (account, seq)
);
CREATE UNIQUE INDEX IF NOT EXISTS requests_by_id ON requests (account, request_id);
CREATE UNIQUE INDEX IF NOT EXISTS requests_by_key ON requests (account, idem_key);
CREATE INDEX IF NOT EXISTS requests_by_msisdn ON requests (account, msisdn);
CREATE INDEX IF NOT EXISTS requests_open ON requests (account, due_at)
    WHERE status IN ('new', 'in_progress');
"""

# One subscriber as the API writes it, made by SQLite (quotas are stored as their JSON).
_SUBSCRIBER_JSON = (
    "json_object('msisdn', msisdn, 'status', CASE WHEN blocked THEN 'blocked' ELSE 'active'"
    " END, 'quota', json(quota), 'version', version)"
)
REQUEST_COLUMNS = (
    "request_id, msisdn, operation, quota, status, reason, reason_code, created_at, updated_at"
)
# Columns added since the first release, for sandbox files made by it.
_ADDED_COLUMNS = (
    ("subscribers", "version", "INTEGER NOT NULL DEFAULT 0"),
    ("requests", "reason_code", "TEXT"),
)


class StoreError(Exception):
    """A call the operator refuses at once: no request number is given."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Behaviour:
    """How the cabinet behaves: processing delay and a share of random rejections."""

    processing_ms: int = DEFAULT_PROCESSING_MS
    reject_rate: float = 0.0
    seed: int | None = None


class SandboxStore:
    """One SQLite file of accounts, subscribers and requests; safe across threads and
    processes (one lock per store, `BEGIN IMMEDIATE`, WAL)."""

    def __init__(self, path: Path, behaviour: Behaviour | None = None) -> None:
        self.path = path
        self.behaviour = behaviour or Behaviour()
        self._random = random.Random(self.behaviour.seed)
        self._lock = threading.Lock()
        self._db = open_wal(path, SCHEMA)
        self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        for table, column, kind in _ADDED_COLUMNS:
            present = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
            if column not in present:
                self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, immediate(self._db) as db:
            yield db

    # -- seeding -----------------------------------------------------------------------

    def reset_account(self, account: str, subscribers: Iterable[Subscriber]) -> int:
        """Replace the account's subscribers and forget its requests."""
        with self._transaction() as db:
            db.execute("DELETE FROM subscribers WHERE account = ?", (account,))
            db.execute("DELETE FROM requests WHERE account = ?", (account,))
            db.execute(
                "INSERT INTO accounts VALUES (?, 1) ON CONFLICT(account) DO UPDATE SET next_seq=1",
                (account,),
            )
            rows = [(account, s.msisdn, int(s.blocked), _quota_text(s.quota)) for s in subscribers]
            db.executemany(
                "INSERT INTO subscribers (account, msisdn, blocked, quota) VALUES (?, ?, ?, ?)",
                rows,
            )
        return len(rows)

    # -- reads ---------------------------------------------------------------------------

    def list_subscribers(
        self, account: str, cursor: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        with self._transaction() as db:
            self._settle(db, account)
            rows = db.execute(
                "SELECT msisdn, blocked, quota, version FROM subscribers"
                " WHERE account = ? AND msisdn > ? ORDER BY msisdn LIMIT ?",
                (account, cursor or "", limit + 1),
            ).fetchall()
        more = len(rows) > limit
        items = [_subscriber_json(*row) for row in rows[:limit]]
        return items, (items[-1]["msisdn"] if more else None)

    def subscriber_page_json(self, account: str, cursor: str | None, limit: int) -> bytes:
        """A page of `list_subscribers` as the body the API answers, from one indexed
        query in which SQLite writes each subscriber's JSON: no Python object per row
        (a 10 000-row page cost the server 0.1 s of the two cores it shares)."""
        with self._transaction() as db:
            self._settle(db, account)
            rows = db.execute(
                f"SELECT msisdn, {_SUBSCRIBER_JSON} FROM subscribers"
                " WHERE account = ? AND msisdn > ? ORDER BY msisdn LIMIT ?",
                (account, cursor or "", limit + 1),
            ).fetchall()
        more = len(rows) > limit
        next_cursor = json.dumps(rows[limit - 1][0] if more else None)
        items = ",".join(row[1] for row in rows[:limit])
        return f'{{"items":[{items}],"next_cursor":{next_cursor}}}'.encode()

    def subscribers_of_json(self, account: str, msisdns: Sequence[str]) -> bytes:
        """The named subscribers of the account, ordered by msisdn, as the API's body;
        numbers not on the account are left out."""
        marks = ",".join("?" * len(msisdns))
        with self._transaction() as db:
            self._settle(db, account)
            rows = db.execute(
                f"SELECT {_SUBSCRIBER_JSON} FROM subscribers"
                f" WHERE account = ? AND msisdn IN ({marks}) ORDER BY msisdn",
                (account, *msisdns),
            ).fetchall()
        return f'{{"items":[{",".join(row[0] for row in rows)}]}}'.encode()

    def get_request(self, account: str, request_id: str) -> dict[str, Any]:
        found = self.statuses(account, [request_id])
        if not found:
            raise StoreError(404, "request_not_found", f"no request {request_id} on {account}")
        return found[0]

    def statuses(self, account: str, request_ids: Sequence[str]) -> list[dict[str, Any]]:
        marks = ",".join("?" * len(request_ids))
        with self._transaction() as db:
            self._settle(db, account)
            rows = db.execute(
                f"SELECT {REQUEST_COLUMNS} FROM requests"
                f" WHERE account = ? AND request_id IN ({marks}) ORDER BY seq",
                (account, *request_ids),
            ).fetchall()
        return [_request_json(row) for row in rows]

    def history(
        self,
        account: str,
        since: datetime | None,
        msisdn: str | None,
        cursor: int,
        limit: int,
    ) -> tuple[list[dict[str, Any]], int | None]:
        where, args = ["account = ?", "seq > ?"], [account, cursor]
        if since is not None:
            # Times are printed to the microsecond: `since` equal to a request's own
            # created_at includes it, whatever the float did to the last digit.
            where.append("created_at >= ?")
            args.append(since.timestamp() - 0.0000005)
        if msisdn is not None:
            where.append("msisdn = ?")
            args.append(msisdn)
        with self._transaction() as db:
            self._settle(db, account)
            rows = db.execute(
                f"SELECT seq, {REQUEST_COLUMNS} FROM requests WHERE {' AND '.join(where)}"
                " ORDER BY seq LIMIT ?",
                (*args, limit + 1),
            ).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        return [_request_json(row[1:]) for row in rows], (rows[-1][0] if more else None)

    def accounts(self) -> list[str]:
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT account FROM accounts ORDER BY 1")]

    def account_exists(self, account: str) -> bool:
        with self._lock:
            found = self._db.execute("SELECT 1 FROM accounts WHERE account = ?", (account,))
            return found.fetchone() is not None

    # -- the one write -------------------------------------------------------------------

    def submit(
        self,
        account: str,
        key: str,
        body: SubmitRequest,
        body_hash: str,
        if_match: int | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Accept a request and give it a number; returns it and whether it is new.

        Checked in this order: the idempotency replay (the same key returns its request,
        whatever came after), the subscriber on the account, a request already in flight
        for it (409), the version it was planned against (`if_match`, 412).
        """
        now = time.time()
        with self._transaction() as db:
            self._settle(db, account, now)
            earlier = db.execute(
                f"SELECT body_hash, {REQUEST_COLUMNS} FROM requests"
                " WHERE account = ? AND idem_key = ?",
                (account, key),
            ).fetchone()
            if earlier is not None:
                if earlier[0] != body_hash:
                    raise StoreError(
                        409,
                        "idempotency_conflict",
                        "this Idempotency-Key was already used for a different request",
                    )
                return _request_json(earlier[1:]), False
            self._check_acceptable(db, account, body.msisdn, if_match)
            seq = db.execute(
                "UPDATE accounts SET next_seq = next_seq + 1"
                " WHERE account = ? RETURNING next_seq - 1",
                (account,),
            ).fetchone()[0]
            request_id = f"Z-{datetime.fromtimestamp(now, UTC).year}-{seq:07d}"
            due = now + self.behaviour.processing_ms / 1000
            forced = self._random.random() < self.behaviour.reject_rate
            quota = None if body.quota is None else _quota_text(body.quota.to_quota())
            db.execute(
                "INSERT INTO requests (account, seq, request_id, msisdn, operation, quota,"
                " status, created_at, updated_at, due_at, forced_reject, idem_key, body_hash)"
                " VALUES (?, ?, ?, ?, ?, ?, 'new', ?, ?, ?, ?, ?, ?)",
                (
                    account,
                    seq,
                    request_id,
                    body.msisdn,
                    body.operation.value,
                    quota,
                    now,
                    now,
                    due,
                    int(forced),
                    key,
                    body_hash,
                ),
            )
            row = db.execute(
                f"SELECT {REQUEST_COLUMNS} FROM requests WHERE account = ? AND seq = ?",
                (account, seq),
            ).fetchone()
        return _request_json(row), True

    def _check_acceptable(
        self, db: sqlite3.Connection, account: str, msisdn: str, if_match: int | None
    ) -> None:
        known = db.execute(
            "SELECT version FROM subscribers WHERE account = ? AND msisdn = ?", (account, msisdn)
        ).fetchone()
        if known is None:
            raise StoreError(
                404, "subscriber_not_found", f"{msisdn} is not a subscriber of {account}"
            )
        open_request = db.execute(
            "SELECT request_id FROM requests WHERE account = ? AND msisdn = ?"
            " AND status IN ('new', 'in_progress')",
            (account, msisdn),
        ).fetchone()
        if open_request is not None:
            raise StoreError(
                409,
                "request_in_flight",
                f"{msisdn} already has request {open_request[0]} in progress",
            )
        if if_match is not None and if_match != known[0]:
            raise StoreError(
                412,
                "version_mismatch",
                f"{msisdn} changed since version {if_match} (it is at version {known[0]})",
            )

    # -- processing ----------------------------------------------------------------------

    def _settle(self, db: sqlite3.Connection, account: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        half = self.behaviour.processing_ms / 2000
        db.execute(
            "UPDATE requests SET status = 'in_progress', updated_at = created_at + ?"
            " WHERE account = ? AND status = 'new' AND created_at + ? <= ?",
            (half, account, half, now),
        )
        due = db.execute(
            "SELECT seq, msisdn, operation, quota, forced_reject, due_at FROM requests"
            " WHERE account = ? AND status IN ('new', 'in_progress') AND due_at <= ? ORDER BY seq",
            (account, now),
        ).fetchall()
        for seq, msisdn, operation, quota, forced, due_at in due:
            verdict = self._verdict(db, account, msisdn, Operation(operation), quota, bool(forced))
            status = RequestStatus.REJECTED if verdict else RequestStatus.COMPLETED
            code, reason = verdict or (None, None)
            # Any final status raises the version: a change rejected today is planned
            # against a new version, so it gets a new key and is tried again tomorrow.
            if status is RequestStatus.COMPLETED:
                db.execute(
                    "UPDATE subscribers SET quota = ? WHERE account = ? AND msisdn = ?",
                    (quota, account, msisdn),
                )
            db.execute(
                "UPDATE subscribers SET version = version + 1 WHERE account = ? AND msisdn = ?",
                (account, msisdn),
            )
            db.execute(
                "UPDATE requests SET status = ?, reason = ?, reason_code = ?, updated_at = ?"
                " WHERE account = ? AND seq = ?",
                (status.value, reason, code, due_at, account, seq),
            )

    def _verdict(
        self,
        db: sqlite3.Connection,
        account: str,
        msisdn: str,
        operation: Operation,
        quota_text: str | None,
        forced_reject: bool,
    ) -> tuple[str, str] | None:
        """Why the cabinet rejects this request (a `RejectionCode` and the words), or None
        when it completes."""
        blocked, held = db.execute(
            "SELECT blocked, quota FROM subscribers WHERE account = ? AND msisdn = ?",
            (account, msisdn),
        ).fetchone()
        if blocked:
            return RejectionCode.SUBSCRIBER_BLOCKED, "Абонент заблокирован"
        if operation is Operation.ADD and held is not None:
            return RejectionCode.QUOTA_EXISTS, "У абонента уже есть квота"
        if operation is not Operation.ADD and held is None:
            return RejectionCode.NO_QUOTA, "У абонента нет квоты"
        if quota_text is not None:
            quota = json.loads(quota_text)
            limit = Decimal(quota["limit"])
            if limit > ACCOUNT_CEILING:
                words = f"Лимит {format_amount(limit)} ₽ выше потолка счёта 100 000 ₽"
                return RejectionCode.ABOVE_CEILING, words
            if quota.get("warn_at") is not None and Decimal(quota["warn_at"]) > limit:
                return RejectionCode.WARN_ABOVE_LIMIT, "Порог уведомления выше лимита"
        if forced_reject:
            return RejectionCode.OPERATOR_DECISION, "Отклонено оператором"
        return None


def _quota_text(quota: Quota | None) -> str | None:
    return None if quota is None else json.dumps(quota.to_json(), sort_keys=True)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def _request_json(row: Sequence[Any]) -> dict[str, Any]:
    request_id, msisdn, operation, quota, status, reason, code, created, updated = row
    return {
        "request_id": request_id,
        "msisdn": msisdn,
        "operation": operation,
        "quota": None if quota is None else json.loads(quota),
        "status": status,
        "reason": reason,
        "reason_code": code,
        "created_at": _iso(created),
        "updated_at": _iso(updated),
    }


def _subscriber_json(msisdn: str, blocked: int, quota: str | None, version: int) -> dict[str, Any]:
    return {
        "msisdn": msisdn,
        "status": "blocked" if blocked else "active",
        "quota": None if quota is None else json.loads(quota),
        "version": version,
    }

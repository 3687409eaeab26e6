"""The MTS-shaped sandbox's state on SQLite: numbers, connected budget rules (copies
allowed, as the operator allows them), the catalogue of rules that may be connected,
and asynchronous events.

Like the first sandbox, events are processed lazily: every call first settles the
account. Processing times vary with a long tail (most events take about the base time,
a few several times it), so a client that waits for "the usual delay" before deciding a
lost answer took no effect is caught out.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from quotabulk.domain.models import OnExceed, Subscriber
from quotabulk.sandbox.store import ACCOUNT_CEILING, Behaviour
from quotabulk.store.sqlite_db import immediate, open_wal

# The slowest event takes this many times the base processing time.
LONGEST_TAIL = 6.0


@dataclass(frozen=True)
class CatalogueRule:
    code: str
    version: str
    name: str
    values: tuple[str, ...] | None  # None: any value up to the account's ceiling

    @property
    def ref(self) -> str:
        return f"{self.code}:{self.version}"


# The rules every sandbox account may connect: a blocking limit with any value, a
# personal-payment limit from preset values, and one rule quotabulk never manages.
BLOCK_RULE = CatalogueRule("CB.LIMIT.BLOCK", "PV-1001", "Лимит с блокировкой", None)
PERSONAL_RULE = CatalogueRule(
    "CB.LIMIT.PERSONAL",
    "PV-2001",
    "Лимит с переходом на личный счёт",
    ("500", "1000", "1500", "2000", "3000", "5000", "10000"),
)
ROAMING_RULE = CatalogueRule("CB.ROAMING.CAP", "PV-3001", "Лимит на роуминг", None)
CATALOGUE = (BLOCK_RULE, PERSONAL_RULE, ROAMING_RULE)
RULE_OF = {OnExceed.BLOCK: BLOCK_RULE, OnExceed.PERSONAL: PERSONAL_RULE}

SCHEMA = """
CREATE TABLE IF NOT EXISTS mts_numbers (
    account TEXT NOT NULL, msisdn TEXT NOT NULL, blocked INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account, msisdn)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS mts_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, msisdn TEXT NOT NULL,
    code TEXT NOT NULL, version TEXT NOT NULL, limit_value TEXT NOT NULL,
    active_from TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS mts_rules_by_number ON mts_rules (account, msisdn);
CREATE TABLE IF NOT EXISTS mts_events (
    event_id TEXT PRIMARY KEY, account TEXT NOT NULL, msisdn TEXT NOT NULL,
    kind TEXT NOT NULL, code TEXT NOT NULL, version TEXT NOT NULL, limit_value TEXT,
    all_duplicates INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL, error TEXT,
    created REAL NOT NULL, due REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS mts_events_open ON mts_events (account, due)
    WHERE status = 'InProgress';
CREATE TABLE IF NOT EXISTS mts_calls (name TEXT PRIMARY KEY, n INTEGER NOT NULL);
"""


class MtsError(Exception):
    """A call refused at once, as `{"error": {"errorCode", "errorMessage"}}`."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class MtsStore:
    """One SQLite file (the sandbox's own, beside the first dialect's tables)."""

    def __init__(self, path: Path, behaviour: Behaviour | None = None) -> None:
        """`behaviour`: the first sandbox's knobs; its reject rate does not apply here
        (events fault for the operator's own reasons)."""
        self.path = path
        self.behaviour = behaviour or Behaviour()
        self._random = random.Random(self.behaviour.seed)
        self._lock = threading.Lock()
        self._db = open_wal(path, SCHEMA)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, immediate(self._db) as db:
            yield db

    # -- seeding and counting -------------------------------------------------------------

    def reset_account(self, account: str, subscribers: Iterable[Subscriber]) -> int:
        """The account's numbers with one rule each for a quota (its threshold dropped:
        this operator has none); its events are forgotten."""
        listed = list(subscribers)
        with self._transaction() as db:
            for table in ("mts_numbers", "mts_rules", "mts_events"):
                db.execute(f"DELETE FROM {table} WHERE account = ?", (account,))
            db.executemany(
                "INSERT INTO mts_numbers (account, msisdn, blocked) VALUES (?, ?, ?)",
                [(account, s.msisdn, int(s.blocked)) for s in listed],
            )
            db.executemany(
                "INSERT INTO mts_rules (account, msisdn, code, version, limit_value, active_from)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        account,
                        s.msisdn,
                        *_rule_of(s.quota.on_exceed),
                        f"{s.quota.limit:.2f}",
                        _now(),
                    )
                    for s in listed
                    if s.quota is not None
                ],
            )
        return len(listed)

    def add_rule(self, account: str, msisdn: str, rule: CatalogueRule, value: str) -> None:
        """Connect a rule at once, as someone in the cabinet would (tests)."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO mts_rules (account, msisdn, code, version, limit_value, active_from)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (account, msisdn, rule.code, rule.version, value, _now()),
            )

    def count_call(self, name: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO mts_calls (name, n) VALUES (?, 1)"
                " ON CONFLICT (name) DO UPDATE SET n = n + 1",
                (name,),
            )

    def calls(self) -> dict[str, int]:
        with self._lock:
            return dict(self._db.execute("SELECT name, n FROM mts_calls").fetchall())

    def events(self, account: str) -> list[tuple[str, str, str, bool, float]]:
        """(msisdn, kind, status, all_duplicates, took effect at) of every event of the
        account, in that order (the soak replays them to find every copy that ever was)."""
        with self._transaction() as db:
            self._settle(db, account)
            rows = db.execute(
                "SELECT msisdn, kind, status, all_duplicates, due FROM mts_events"
                " WHERE account = ? ORDER BY due, rowid",
                (account,),
            ).fetchall()
        return [(str(m), str(k), str(s), bool(a), float(d)) for m, k, s, a, d in rows]

    # -- reads ----------------------------------------------------------------------------

    def account_exists(self, account: str) -> bool:
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM mts_numbers WHERE account = ? LIMIT 1", (account,)
            ).fetchone()
        return row is not None

    def numbers(self, account: str, page: int, size: int) -> tuple[list[str], bool]:
        with self._lock:
            rows = self._db.execute(
                "SELECT msisdn FROM mts_numbers WHERE account = ? ORDER BY msisdn LIMIT ? OFFSET ?",
                (account, size + 1, (page - 1) * size),
            ).fetchall()
        return [r[0] for r in rows[:size]], len(rows) > size

    def rules(self, account: str, msisdn: str | None = None) -> list[tuple[Any, ...]]:
        """(msisdn, code, version, value, active_from) of connected rules."""
        with self._transaction() as db:
            self._settle(db, account)
            where, args = ("AND msisdn = ?", (account, msisdn)) if msisdn else ("", (account,))
            return db.execute(
                "SELECT msisdn, code, version, limit_value, active_from FROM mts_rules"
                f" WHERE account = ? {where} ORDER BY msisdn, id",
                args,
            ).fetchall()

    def account_of(self, msisdn: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT account FROM mts_numbers WHERE msisdn = ?", (msisdn,)
            ).fetchone()
        return None if row is None else str(row[0])

    def status(self, event_id: str) -> dict[str, Any]:
        with self._lock:
            row = self._db.execute(
                "SELECT account FROM mts_events WHERE event_id = ?", (event_id,)
            ).fetchone()
        if row is None:
            raise MtsError(404, 1100, f"Событие {event_id} не найдено")
        with self._transaction() as db:
            self._settle(db, str(row[0]))
            status, error = db.execute(
                "SELECT status, error FROM mts_events WHERE event_id = ?", (event_id,)
            ).fetchone()
        return {"eventId": event_id, "operationStatusCode": status, "errorMessage": error}

    # -- changes --------------------------------------------------------------------------

    def change(
        self,
        msisdn: str,
        kind: str,
        code: str,
        version: str,
        value: str | None,
        all_duplicates: bool = False,
    ) -> str:
        """Accept a connect or disconnect: an event id, processed later. Nothing is
        checked but the number and the rule's existence: the rest is the event's fate."""
        account = self.account_of(msisdn)
        if account is None:
            raise MtsError(400, 1100, f"Номер {msisdn} не найден")
        if not any(r.code == code and r.version == version for r in CATALOGUE):
            raise MtsError(400, 1100, f"Правило {code}:{version} не найдено")
        if value is not None:
            try:
                Decimal(value)
            except InvalidOperation:
                raise MtsError(400, 1100, f"limitValue {value!r} не число") from None
        now = time.time()
        event_id = f"EV-{uuid.uuid4().hex[:16]}"
        with self._transaction() as db:
            self._settle(db, account, now)
            db.execute(
                "INSERT INTO mts_events (event_id, account, msisdn, kind, code, version,"
                " limit_value, all_duplicates, status, created, due)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'InProgress', ?, ?)",
                (
                    event_id,
                    account,
                    msisdn,
                    kind,
                    code,
                    version,
                    value,
                    int(all_duplicates),
                    now,
                    now + self._processing_s(),
                ),
            )
        return event_id

    def _processing_s(self) -> float:
        """Mostly about the base time, with a long tail (a Pareto draw, capped)."""
        base = self.behaviour.processing_ms / 1000
        draw = min(LONGEST_TAIL, 0.4 + 0.6 * self._random.paretovariate(2.0))
        return base * draw

    def _settle(self, db: sqlite3.Connection, account: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        due = db.execute(
            "SELECT event_id, msisdn, kind, code, version, limit_value, all_duplicates"
            " FROM mts_events WHERE account = ? AND status = 'InProgress' AND due <= ?"
            " ORDER BY due",
            (account, now),
        ).fetchall()
        for event_id, msisdn, kind, code, version, value, all_duplicates in due:
            error = self._apply(db, account, msisdn, kind, code, version, value, all_duplicates)
            db.execute(
                "UPDATE mts_events SET status = ?, error = ? WHERE event_id = ?",
                ("Faulted" if error else "Completed", error, event_id),
            )

    def _apply(
        self,
        db: sqlite3.Connection,
        account: str,
        msisdn: str,
        kind: str,
        code: str,
        version: str,
        value: str | None,
        all_duplicates: int,
    ) -> str | None:
        """The event's effect, or why it faulted."""
        (blocked,) = db.execute(
            "SELECT blocked FROM mts_numbers WHERE account = ? AND msisdn = ?", (account, msisdn)
        ).fetchone()
        if blocked:
            return "Номер заблокирован"
        if kind == "disconnect":
            held = db.execute(
                "SELECT id FROM mts_rules WHERE account = ? AND msisdn = ? AND code = ?"
                " AND version = ? ORDER BY id DESC",
                (account, msisdn, code, version),
            ).fetchall()
            if not held:
                return "Правило не подключено"
            for (rule_id,) in held if all_duplicates else held[:1]:
                db.execute("DELETE FROM mts_rules WHERE id = ?", (rule_id,))
            return None
        rule = next(r for r in CATALOGUE if r.code == code and r.version == version)
        assert value is not None
        amount = Decimal(value)
        if rule.values is not None and all(Decimal(v) != amount for v in rule.values):
            return f"Значение {value} не входит в допустимые: {', '.join(rule.values)}"
        if amount > ACCOUNT_CEILING:
            return f"Значение {value} выше потолка лицевого счёта 100000"
        db.execute(
            "INSERT INTO mts_rules (account, msisdn, code, version, limit_value, active_from)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (account, msisdn, code, version, f"{amount:.2f}", _now()),
        )
        return None


def _rule_of(on_exceed: OnExceed) -> tuple[str, str]:
    rule = RULE_OF[on_exceed]
    return rule.code, rule.version


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())

"""The journal: every run and every action, in SQLite under `$QUOTABULK_HOME`, written
before each request is sent and as soon as each answer arrives, so a killed run can be
finished by running the same command again.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from quotabulk.domain.models import Quota
from quotabulk.domain.outcomes import Outcome, RowResult, RunResult
from quotabulk.store.sqlite_db import immediate, open_wal

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, account TEXT NOT NULL, fingerprint TEXT NOT NULL,
    command TEXT NOT NULL, operator_url TEXT NOT NULL, inputs TEXT NOT NULL,
    started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_open ON runs (account, fingerprint, status);
CREATE TABLE IF NOT EXISTS actions (
    run_id TEXT NOT NULL, seq INTEGER NOT NULL, source TEXT NOT NULL, msisdn TEXT NOT NULL,
    kind TEXT NOT NULL, before TEXT, after TEXT, idem_key TEXT, request_id TEXT,
    request_status TEXT, outcome TEXT, error TEXT, extras TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    run_id TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, what TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_action ON events (run_id, seq);
CREATE TABLE IF NOT EXISTS locks (
    account TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, pid_started TEXT,
    run_id TEXT, acquired_at TEXT NOT NULL, heartbeat_at TEXT NOT NULL
);
"""

RESUMABLE = ("running", "interrupted", "pending")
CHANGES = ("add", "edit", "delete")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class JournalAction:
    """One journaled row of a run, as the executor needs it."""

    seq: int
    source: str
    msisdn: str
    kind: str
    before: Quota | None
    after: Quota | None
    idem_key: str | None
    request_id: str | None
    request_status: str | None
    outcome: Outcome | None
    error: str | None

    @property
    def is_change(self) -> bool:
        return self.kind in CHANGES

    @property
    def open(self) -> bool:
        """A change still to send or to follow."""
        return self.is_change and (self.outcome is None or not self.outcome.settled)


@dataclass(frozen=True, slots=True)
class NewAction:
    source: str
    msisdn: str
    kind: str
    before: Quota | None
    after: Quota | None
    idem_key: str | None = None
    outcome: Outcome | None = None
    error: str | None = None
    extras: tuple[tuple[str, str], ...] = ()


class Journal:
    """The local record of runs. One connection per process; WAL so readers never wait."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # NORMAL suffices against a killed process; `create_run` alone syncs FULL, since
        # keys lost to a power cut would be re-made under a new run and sent a second time.
        self.db = open_wal(path, SCHEMA)

    def close(self) -> None:
        self.db.close()

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return immediate(self.db)

    # -- runs ----------------------------------------------------------------------------

    def resumable_run(self, account: str, fingerprint: str) -> str | None:
        row = self.db.execute(
            "SELECT run_id FROM runs WHERE account = ? AND fingerprint = ? AND status IN"
            f" ({','.join('?' * len(RESUMABLE))}) ORDER BY started_at DESC LIMIT 1",
            (account, fingerprint, *RESUMABLE),
        ).fetchone()
        return None if row is None else str(row[0])

    def create_run(
        self,
        account: str,
        fingerprint: str,
        command: str,
        operator_url: str,
        inputs: Sequence[str],
        actions: Sequence[NewAction],
        run_id: str | None = None,
    ) -> str:
        """Record the run and every action (keys included) in one transaction."""
        run_id = run_id or new_run_id()
        self.db.execute("PRAGMA synchronous=FULL")
        with self.transaction() as db:
            db.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 'running')",
                (
                    run_id,
                    account,
                    fingerprint,
                    command,
                    operator_url,
                    json.dumps(list(inputs)),
                    now_iso(),
                ),
            )
            db.executemany(
                "INSERT INTO actions VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?)",
                [
                    (
                        run_id,
                        seq,
                        a.source,
                        a.msisdn,
                        a.kind,
                        _quota_text(a.before),
                        _quota_text(a.after),
                        a.idem_key,
                        a.outcome.value if a.outcome else None,
                        a.error,
                        json.dumps(list(a.extras), ensure_ascii=False),
                    )
                    for seq, a in enumerate(actions)
                ],
            )
        self.db.execute("PRAGMA synchronous=NORMAL")
        return run_id

    def set_run_status(self, run_id: str, status: str, finished: bool = False) -> None:
        self.db.execute(
            "UPDATE runs SET status = ?, finished_at = ? WHERE run_id = ?",
            (status, now_iso() if finished else None, run_id),
        )

    # -- actions -------------------------------------------------------------------------

    def actions(self, run_id: str) -> list[JournalAction]:
        rows = self.db.execute(
            "SELECT seq, source, msisdn, kind, before, after, idem_key, request_id,"
            " request_status, outcome, error FROM actions WHERE run_id = ? ORDER BY seq",
            (run_id,),
        ).fetchall()
        return [
            JournalAction(
                seq,
                source,
                msisdn,
                kind,
                _quota(before),
                _quota(after),
                key,
                rid,
                rstatus,
                Outcome(outcome) if outcome else None,
                error,
            )
            for seq, source, msisdn, kind, before, after, key, rid, rstatus, outcome, error in rows
        ]

    def record_sending(self, run_id: str, seq: int) -> None:
        self._event(run_id, seq, "sending")

    def record_request(self, run_id: str, seq: int, request_id: str, status: str) -> None:
        """The operator's number for this action, written as soon as it is known."""
        with self.transaction() as db:
            db.execute(
                "UPDATE actions SET request_id = ?, request_status = ?"
                " WHERE run_id = ? AND seq = ?",
                (request_id, status, run_id, seq),
            )
            db.execute(
                "INSERT INTO events VALUES (?, ?, ?, ?)",
                (run_id, seq, now_iso(), f"{request_id} {status}"),
            )

    def record_statuses(self, run_id: str, changes: Sequence[tuple[int, str, str | None]]) -> None:
        """New statuses of several requests (seq, status, reason), in one transaction."""
        stamp = now_iso()
        with self.transaction() as db:
            db.executemany(
                "UPDATE actions SET request_status = ?, error = COALESCE(?, error)"
                " WHERE run_id = ? AND seq = ?",
                [(status, reason, run_id, seq) for seq, status, reason in changes],
            )
            db.executemany(
                "INSERT INTO events VALUES (?, ?, ?, ?)",
                [(run_id, seq, stamp, status) for seq, status, _ in changes],
            )

    def record_outcome(self, run_id: str, seq: int, outcome: Outcome, error: str | None) -> None:
        self.db.execute(
            "UPDATE actions SET outcome = ?, error = ? WHERE run_id = ? AND seq = ?",
            (outcome.value, error, run_id, seq),
        )

    def record_outcomes(
        self, run_id: str, outcomes: Sequence[tuple[int, Outcome, str | None]]
    ) -> None:
        with self.transaction() as db:
            db.executemany(
                "UPDATE actions SET outcome = ?, error = ? WHERE run_id = ? AND seq = ?",
                [(o.value, error, run_id, seq) for seq, o, error in outcomes],
            )

    def _event(self, run_id: str, seq: int, what: str) -> None:
        self.db.execute("INSERT INTO events VALUES (?, ?, ?, ?)", (run_id, seq, now_iso(), what))

    def events(self, run_id: str, seq: int) -> list[tuple[str, str]]:
        rows = self.db.execute(
            "SELECT at, what FROM events WHERE run_id = ? AND seq = ? ORDER BY rowid", (run_id, seq)
        ).fetchall()
        return [(str(at), str(what)) for at, what in rows]

    # -- reading runs back ---------------------------------------------------------------

    def runs(self, limit: int = 50) -> list[RunResult]:
        ids = self.db.execute(
            "SELECT run_id FROM runs ORDER BY started_at DESC LIMIT ?", (limit,)
        ).fetchall()
        return [self.run(str(row[0])) for row in ids]

    def run(self, run_id: str) -> RunResult:
        head = self.db.execute(
            "SELECT account, operator_url, inputs, started_at, finished_at, status FROM runs"
            " WHERE run_id = ?",
            (run_id,),
        ).fetchone()
        if head is None:
            raise KeyError(run_id)
        account, url, inputs, started, finished, status = head
        rows = self.db.execute(
            "SELECT source, msisdn, kind, before, after, request_id, request_status, outcome,"
            " error, extras FROM actions WHERE run_id = ? ORDER BY seq",
            (run_id,),
        ).fetchall()
        results = [
            RowResult(
                source,
                msisdn,
                kind,
                _quota(before),
                _quota(after),
                rid,
                rstatus,
                Outcome(outcome) if outcome else Outcome.PENDING,
                error,
                tuple((str(k), str(v)) for k, v in json.loads(extras)),
            )
            for source, msisdn, kind, before, after, rid, rstatus, outcome, error, extras in rows
        ]
        return RunResult(
            run_id, account, url, tuple(json.loads(inputs)), started, finished, status, results
        )


def new_run_id() -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{uuid.uuid4().hex[:6]}"


def _quota_text(quota: Quota | None) -> str | None:
    return None if quota is None else json.dumps(quota.to_json(), sort_keys=True)


def _quota(text: str | None) -> Quota | None:
    return None if text is None else Quota.from_json(json.loads(text))

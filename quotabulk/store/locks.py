"""The `locks` table of the journal: one row per account, its owner and heartbeat.
The policy (who may take a lock over, when) is `quotabulk.engine.lock`'s."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from quotabulk.store.journal import now_iso


@dataclass(frozen=True)
class LockRow:
    """Who holds an account's lock. `beats` counts heartbeats; `seen` is the last
    waiter's note of when (on its own monotonic clock) it saw that count."""

    account: str
    host: str
    pid: int
    pid_started: str | None
    label: str | None
    acquired_at: str
    heartbeat_at: str
    beats: int
    holder: str | None
    seen: dict[str, Any] | None


def read(db: sqlite3.Connection, account: str) -> LockRow | None:
    row = db.execute(
        "SELECT account, host, pid, pid_started, run_id, acquired_at, heartbeat_at, beats,"
        " holder, seen FROM locks WHERE account = ?",
        (account,),
    ).fetchone()
    if row is None:
        return None
    account, host, pid, started, label, acquired, heartbeat, beats, holder, seen = row
    seen_note = None if seen is None else json.loads(seen)
    return LockRow(
        account, host, pid, started, label, acquired, heartbeat, beats, holder, seen_note
    )


def write(
    db: sqlite3.Connection,
    account: str,
    host: str,
    pid: int,
    pid_started: str | None,
    holder: str,
    label: str,
) -> None:
    stamp = now_iso()
    db.execute(
        "INSERT OR REPLACE INTO locks (account, host, pid, pid_started, run_id, acquired_at,"
        " heartbeat_at, beats, holder, seen) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, NULL)",
        (account, host, pid, pid_started, label, stamp, stamp, holder),
    )


def note_seen(db: sqlite3.Connection, account: str, seen: dict[str, Any]) -> None:
    db.execute("UPDATE locks SET seen = ? WHERE account = ?", (json.dumps(seen), account))


def beat(db: sqlite3.Connection, account: str, holder: str) -> bool:
    """One heartbeat; False when the lock is no longer this holder's."""
    found = db.execute(
        "UPDATE locks SET beats = beats + 1, heartbeat_at = ? WHERE account = ? AND holder = ?",
        (now_iso(), account, holder),
    )
    return found.rowcount == 1


def delete(db: sqlite3.Connection, account: str, holder: str) -> None:
    db.execute("DELETE FROM locks WHERE account = ? AND holder = ?", (account, holder))

"""One run at a time per account: a lock row in the journal with owner and heartbeat.

A run on the same host takes over a lock whose process is gone (checked by pid and the
process's start time, so a reused pid does not count); a lock whose heartbeat stopped
more than `EXPIRY_S` ago expires wherever its owner ran. A killed run therefore never
blocks the rerun, or the next night.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from quotabulk.domain.errors import LockedError
from quotabulk.store.journal import Journal, now_iso

EXPIRY_S = 300.0
HEARTBEAT_S = 15.0


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    pid_started: str | None

    @classmethod
    def me(cls) -> Owner:
        return cls(socket.gethostname(), os.getpid(), process_start(os.getpid()))


def process_start(pid: int) -> str | None:
    """The kernel's start time of a process (Linux), or None where it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[19] if len(fields) > 19 else None


def _alive(pid: int, started: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return started is None or process_start(pid) in (None, started)


def acquire(journal: Journal, account: str, run_label: str, owner: Owner | None = None) -> None:
    """Take the account's lock or raise `LockedError` naming the holder."""
    owner = owner or Owner.me()
    now = datetime.now(UTC)
    with journal.transaction() as db:
        held = db.execute(
            "SELECT host, pid, pid_started, run_id, acquired_at, heartbeat_at FROM locks"
            " WHERE account = ?",
            (account,),
        ).fetchone()
        if held is not None:
            host, pid, pid_started, run_id, acquired, heartbeat = held
            beat = datetime.fromisoformat(heartbeat.replace("Z", "+00:00"))
            stale = now - beat > timedelta(seconds=EXPIRY_S)
            gone = host == owner.host and not _alive(pid, pid_started)
            mine = (host, pid) == (owner.host, owner.pid)
            if not (stale or gone or mine):
                raise LockedError(
                    f"another run holds the lock for {account}: {run_id or 'a run'} by process "
                    f"{pid} on {host} since {acquired} (last heartbeat {heartbeat})"
                )
        stamp = now_iso()
        db.execute(
            "INSERT OR REPLACE INTO locks VALUES (?, ?, ?, ?, ?, ?, ?)",
            (account, owner.host, owner.pid, owner.pid_started, run_label, stamp, stamp),
        )


def release(journal: Journal, account: str, owner: Owner | None = None) -> None:
    owner = owner or Owner.me()
    journal.db.execute(
        "DELETE FROM locks WHERE account = ? AND host = ? AND pid = ?",
        (account, owner.host, owner.pid),
    )


def heartbeat(journal: Journal, account: str, owner: Owner | None = None) -> None:
    owner = owner or Owner.me()
    journal.db.execute(
        "UPDATE locks SET heartbeat_at = ? WHERE account = ? AND host = ? AND pid = ?",
        (now_iso(), account, owner.host, owner.pid),
    )


@asynccontextmanager
async def account_lock(journal: Journal, account: str, run_label: str) -> AsyncIterator[None]:
    """Hold the lock, beating its heart, for the duration of the block."""
    acquire(journal, account, run_label)

    async def beat() -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            heartbeat(journal, account)

    beating = asyncio.create_task(beat())
    try:
        yield
    finally:
        beating.cancel()
        release(journal, account)

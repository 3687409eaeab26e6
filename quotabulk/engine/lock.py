"""One run at a time per account: a lock row in the journal with owner and heartbeat.

- On the same host a lock is taken over only when its process is gone (pid and the
  process's start time, so a reused pid does not count), never because of a clock.
- A lock from another host (a home on a shared disk) counts as stale when its heartbeat
  counter has not moved for `FOREIGN_EXPIRY_S`, measured on the waiter's own monotonic
  clock: the waiter notes the count it saw and when, and a later waiter on the same
  boot compares. No wall clock of either machine is trusted.
- The heartbeat runs on its own thread with its own connection, so nothing the run does
  (a confirmation prompt, a long computation) can stop it; it notices when the lock was
  taken away and says so (`AccountLock.lost`), and the run then stops sending.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from quotabulk.domain import messages as said
from quotabulk.domain.errors import LockedError
from quotabulk.store import locks
from quotabulk.store.journal import Journal
from quotabulk.store.sqlite_db import open_sqlite

FOREIGN_EXPIRY_S = 300.0
HEARTBEAT_S = 5.0


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    pid_started: str | None
    holder: str = field(default_factory=lambda: uuid.uuid4().hex)

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


def boot_id() -> str:
    """Which boot of this host a monotonic reading belongs to."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return f"pid-{os.getpid()}"  # no boot id: an observation is trusted by this process only


def _alive(pid: int, started: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return started is None or process_start(pid) in (None, started)


def acquire(journal: Journal, account: str, label: str, owner: Owner) -> None:
    """Take the account's lock or raise `LockedError` naming the holder."""
    with journal.transaction() as db:
        held = locks.read(db, account)
        refused = held is not None and not _takeable(db, held, owner)
        if not refused:
            locks.write(db, account, owner.host, owner.pid, owner.pid_started, owner.holder, label)
    # Raised after the commit: a waiter's note of what it saw must be kept.
    if refused:
        assert held is not None
        raise LockedError(
            said.LOCKED(
                account=account,
                label=held.label or "a run",
                pid=held.pid,
                host=held.host,
                since=held.acquired_at,
                heartbeat=held.heartbeat_at,
            )
        )


def _takeable(db: sqlite3.Connection, held: locks.LockRow, owner: Owner) -> bool:
    if held.holder == owner.holder:
        return True
    if held.host == owner.host:
        return not _alive(held.pid, held.pid_started)
    return _foreign_stale(db, held, owner)


def _foreign_stale(db: sqlite3.Connection, held: locks.LockRow, owner: Owner) -> bool:
    now = time.monotonic()
    mine = {"host": owner.host, "boot": boot_id(), "beats": held.beats, "at": now}
    seen = held.seen
    if seen is not None and all(seen.get(k) == mine[k] for k in ("host", "boot", "beats")):
        return now - float(seen["at"]) > FOREIGN_EXPIRY_S
    locks.note_seen(db, held.account, mine)
    return False


class AccountLock:
    """Hold an account's lock for a `with` block, its heartbeat on a thread of its own."""

    def __init__(self, journal: Journal, account: str, label: str) -> None:
        self.journal = journal
        self.account = account
        self.label = label[:200]
        self.owner = Owner.me()
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> AccountLock:
        acquire(self.journal, self.account, self.label, self.owner)
        self._thread = threading.Thread(target=self._beat, name="quotabulk-heartbeat", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        # A full disk cannot even free the lock: the next run on this host takes it over
        # (its process is gone), and the error that brought us here is the one to say.
        with contextlib.suppress(sqlite3.Error):
            locks.delete(self.journal.db, self.account, self.owner.holder)

    def _beat(self) -> None:
        db = open_sqlite(self.journal.path)
        try:
            while not self._stop.wait(HEARTBEAT_S):
                try:
                    if not locks.beat(db, self.account, self.owner.holder):
                        self.lost.set()
                        return
                except Exception:  # noqa: S112 - a busy disk: beat again next time
                    continue
        finally:
            db.close()

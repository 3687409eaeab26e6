"""SQLite as the journal and the sandbox use it: WAL, autocommit, explicit write
transactions that take the write lock up front, and errors of the file itself turned
into one sentence naming it."""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from quotabulk.domain.errors import StateError
from quotabulk.store.home import make_home


def open_sqlite(path: Path) -> sqlite3.Connection:
    """A connection in WAL mode (readers never wait for the writer; another process may
    share the file), synchronous=NORMAL (survives a killed process)."""
    with state_errors(path):
        try:
            make_home(path.parent)
            if not path.exists():  # owner-only from its first byte; SQLite gives its
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # -wal the same
        except OSError as exc:
            raise StateError(_os_problem(path.parent, exc)) from None
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA busy_timeout=10000")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
        except BaseException:
            db.close()
            raise
    return db


def open_wal(path: Path, schema: str) -> sqlite3.Connection:
    """`open_sqlite` with a schema that needs no migrations (the sandbox's own file)."""
    db = open_sqlite(path)
    with state_errors(path):
        db.executescript(schema)
    return db


@contextmanager
def immediate(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction; BEGIN IMMEDIATE so two writers never deadlock upgrading."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


@contextmanager
def state_errors(path: Path) -> Iterator[None]:
    """Turn SQLite's failures of the file (full disk, read-only folder, damage) into a
    `StateError` that names it: expected failures of local state, not bugs."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        raise StateError(sqlite_problem(path, exc)) from None
    except UnicodeDecodeError:  # damage reaches even SQLite's own words about the file
        raise StateError(damaged(path, "its pages do not read as text")) from None


def sqlite_problem(path: Path, exc: sqlite3.Error) -> str:
    text = str(exc).lower()
    if "full" in text:
        return f"the disk holding {path} is full; free some space and run the same command again"
    if "readonly" in text or "read-only" in text or "attempt to write" in text:
        return f"{path} is read-only; quotabulk needs to write its journal there (QUOTABULK_HOME)"
    if "unable to open" in text or "cannot open" in text:
        return f"{path} cannot be opened; check that QUOTABULK_HOME is a folder quotabulk may write"
    if any(word in text for word in ("not a database", "malformed", "corrupt", "decode")):
        return damaged(path, str(exc))
    if "locked" in text or "busy" in text:
        return f"{path} stayed locked by another process for too long; try again"
    return f"{path} cannot be used: {exc}"


def damaged(path: Path, why: str) -> str:
    return (
        f"{path} is damaged ({why}); move it aside and run the command again to start a new "
        "journal (its past runs stay in the old file)"
    )


def _os_problem(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return f"the disk holding {path} is full"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"{path} is read-only; quotabulk needs to write its state there (QUOTABULK_HOME)"
    return f"{path} cannot be created: {exc.strerror}"


def integrity_problems(path: Path) -> list[str]:
    """What SQLite's own integrity check finds wrong with the file (nothing: healthy),
    read on a connection of its own that changes nothing."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return [str(exc)]
    try:
        rows = db.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    except UnicodeDecodeError:
        return ["its pages do not read as text"]
    finally:
        db.close()
    found = [str(row[0]) for row in rows]
    return [] if found == ["ok"] else found

"""The journal's schema, as a list of migrations; `PRAGMA user_version` says how many a
file has had. A journal made before versioning (user_version 0, tables present) gets
the same first step, which creates only what is missing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from quotabulk.domain import messages as said
from quotabulk.domain.errors import StateError
from quotabulk.store.sqlite_db import immediate, state_errors

MIGRATIONS: tuple[str, ...] = (
    # 1: the layout of the first release.
    """
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
    """,
    # 2: change-keyed requests (the subscriber version an action was planned against),
    # the report a run wrote, and a heartbeat counter that needs no clock to compare.
    # Runs of the first layout were identified by their inputs, not their plan: no new
    # run shares such an identity, so none of them is ever joined by a different plan.
    """
    ALTER TABLE actions ADD COLUMN version INTEGER;
    ALTER TABLE runs ADD COLUMN report TEXT;
    ALTER TABLE locks ADD COLUMN beats INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE locks ADD COLUMN seen TEXT;
    ALTER TABLE locks ADD COLUMN holder TEXT;
    CREATE INDEX IF NOT EXISTS runs_by_identity ON runs (fingerprint, status);
    """,
    # 3: maker–checker. Users of the console and of `--as`; home-wide policies; an
    # append-only audit trail keyed by plan digest (submitted, approved, declined, run,
    # and the management of users and policies); the plan digest a run carried out.
    """
    CREATE TABLE users (
        name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL
    );
    CREATE TABLE policies (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, event TEXT NOT NULL,
        user TEXT NOT NULL, digest TEXT NOT NULL DEFAULT '', run_id TEXT,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX audit_by_digest ON audit (digest);
    CREATE TRIGGER audit_is_append_only_u BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
    CREATE TRIGGER audit_is_append_only_d BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
    ALTER TABLE runs ADD COLUMN plan_digest TEXT;
    """,
    # 4: four eyes that hold. A submission is a row of its own that gets exactly one
    # decision (a conditional update only a waiting submission passes, so two checkers,
    # an old tab or another process cannot both decide); the submissions of the trail so
    # far are carried over with the first decision that followed each. What a run
    # required when it started (so a resume is never less strict); a revision per user
    # that a password change or a disable raises (every session of the older revision
    # ends); sign-in failures, shared by the console and `users unlock`.
    """
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY AUTOINCREMENT, digest TEXT NOT NULL, maker TEXT NOT NULL,
        submitted_at TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending',
        decided_by TEXT, decided_at TEXT, comment TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX submissions_by_digest ON submissions (digest, id);
    INSERT INTO submissions (digest, maker, submitted_at, state, decided_by, decided_at, comment)
    SELECT s.digest, s.user, s.at, COALESCE(d.event, 'pending'), d.user, d.at,
        COALESCE(json_extract(d.detail, '$.comment'), '')
    FROM audit AS s LEFT JOIN audit AS d ON d.id = (
        SELECT MIN(x.id) FROM audit AS x
        WHERE x.digest = s.digest AND x.event IN ('approved', 'declined') AND x.id > s.id
        AND NOT EXISTS (SELECT 1 FROM audit AS y WHERE y.digest = s.digest
            AND y.event = 'submitted' AND y.id > s.id AND y.id < x.id))
    WHERE s.event = 'submitted' ORDER BY s.id;
    ALTER TABLE runs ADD COLUMN requires_approval INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE users ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE login_failures (key TEXT NOT NULL, at REAL NOT NULL);
    CREATE INDEX login_failures_by_key ON login_failures (key, at);
    """,
    # 5: an invalid row's problems as codes and parts (JSON), shown in any language; the
    # English `error` stays for older quotabulks and the JSON outputs.
    """
    ALTER TABLE actions ADD COLUMN said TEXT;
    """,
    # 6: operators without idempotency keys or one-request edits. An edit's first step
    # (the removal of the old rule) and its status; when the step in progress was last
    # sent (a send without an answer is looked for before it is sent again); how many
    # answers were lost (a copy of our rule is ours only then); the slowest processing
    # the operator showed in the run (how long to look for a lost answer's change).
    """
    ALTER TABLE actions ADD COLUMN removal_id TEXT;
    ALTER TABLE actions ADD COLUMN removal_status TEXT;
    ALTER TABLE actions ADD COLUMN sent_at REAL;
    ALTER TABLE actions ADD COLUMN lost INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN slowest_s REAL;
    """,
)
VERSION = len(MIGRATIONS)


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Bring the file to `VERSION`; refuse one written by a newer quotabulk."""
    with state_errors(path):
        found = int(db.execute("PRAGMA user_version").fetchone()[0])
        if found > VERSION:
            raise StateError(said.JOURNAL_NEWER(path=str(path), found=found, known=VERSION))
        for number in range(found, VERSION):
            # One statement at a time inside one transaction (executescript would commit
            # first), so a migration is all or nothing.
            with immediate(db):
                for statement in statements(MIGRATIONS[number]):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number + 1}")


def statements(script: str) -> list[str]:
    """A script's statements, whole: a trigger's body has `;` inside it."""
    found: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            found.append(pending.strip())
            pending = ""
    if pending.strip():
        found.append(pending.strip())
    return found

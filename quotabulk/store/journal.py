"""The journal: every run and every action, in SQLite under `$QUOTABULK_HOME`, written
before each request is sent and as soon as each answer arrives, so a killed run can be
finished by running the same command again, and any run's report rebuilt from it.

Its schema version is `PRAGMA user_version`; `open` applies the migrations a file lacks
(a journal from before versioning is version 0) and refuses one written by a newer
quotabulk.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from quotabulk.domain.errors import RowProblem
from quotabulk.domain.messages import Text
from quotabulk.domain.models import NO_EXTRAS, ActionKind, Extras, InvalidRow, Quota, SkippedRow
from quotabulk.domain.outcomes import Outcome, RowResult, RunResult, RunStatus
from quotabulk.domain.plan import PlannedAction
from quotabulk.domain.requests import Operation, Request, RequestStatus
from quotabulk.store.migrations import migrate
from quotabulk.store.sqlite_db import immediate, open_sqlite, state_errors


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class JournalAction:
    """One journaled row of a run, as the executor needs it."""

    seq: int
    source: str
    msisdn: str
    kind: ActionKind
    before: Quota | None
    after: Quota | None
    version: int | None
    idem_key: str | None
    request_id: str | None
    request_status: RequestStatus | None
    outcome: Outcome | None
    error: str | None
    removal_id: str | None = None
    removal_status: RequestStatus | None = None
    sent_at: float | None = None  # epoch seconds: the step in progress was sent then
    lost: int = 0

    @property
    def open(self) -> bool:
        """A change still to send or to follow."""
        return self.kind.is_change and (self.outcome is None or not self.outcome.settled)


@dataclass(frozen=True, slots=True)
class NewAction:
    """A row about to be journaled with its run."""

    source: str
    msisdn: str
    kind: ActionKind
    before: Quota | None = None
    after: Quota | None = None
    version: int | None = None
    idem_key: str | None = None
    outcome: Outcome | None = None
    error: str | None = None
    extras: Extras = NO_EXTRAS
    said: tuple[RowProblem, ...] = ()

    @classmethod
    def change(cls, action: PlannedAction, key: str) -> NewAction:
        """A change to send, with its idempotency key."""
        return cls._of(action, idem_key=key)

    @classmethod
    def settled(cls, action: PlannedAction, outcome: Outcome, error: str | None) -> NewAction:
        """A planned row that needs no request (unchanged, or busy elsewhere)."""
        return cls._of(action, outcome=outcome, error=error)

    @classmethod
    def _of(cls, action: PlannedAction, **row: Any) -> NewAction:
        return cls(
            action.source,
            action.msisdn,
            action.kind,
            action.before,
            action.after,
            action.version,
            extras=action.extras,
            **row,
        )

    @classmethod
    def invalid(cls, row: InvalidRow) -> NewAction:
        return cls(
            row.source,
            row.msisdn,
            ActionKind.INVALID,
            outcome=Outcome.INVALID,
            error=row.message,
            extras=row.extras,
            said=row.problems,
        )

    @classmethod
    def skipped(cls, source: str, msisdn: str, extras: Extras, reason: str) -> NewAction:
        return cls(
            source, msisdn, ActionKind.SKIPPED, outcome=Outcome.SKIPPED, error=reason, extras=extras
        )

    @classmethod
    def set_aside(cls, row: SkippedRow) -> NewAction:
        """A row that asks for nothing today: `scheduled` when its day is to come."""
        outcome = Outcome.SKIPPED if row.scheduled is None else Outcome.SCHEDULED
        return cls(
            row.source,
            row.msisdn,
            ActionKind.SKIPPED,
            outcome=outcome,
            error=row.reason,
            extras=row.extras,
        )


_NEW_ACTION_COLUMNS = (
    "seq, source, msisdn, kind, before, after, version, idem_key, request_id,"
    " request_status, outcome, error"
)
_ACTION_COLUMNS = f"{_NEW_ACTION_COLUMNS}, removal_id, removal_status, sent_at, lost"


class Journal:
    """The local record of runs. One connection per process; WAL so readers never wait."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = open_sqlite(path)
        migrate(self.db, path)

    def close(self) -> None:
        # Closing checkpoints the write-ahead log into the file; on a full disk that can
        # fail, and the log stays, whole, for the next opening to take in: nothing lost.
        with contextlib.suppress(sqlite3.Error):
            self.db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; a failure of the file (a full disk, damage) is a
        `StateError` naming it, never a traceback."""
        with state_errors(self.path), immediate(self.db) as db:
            yield db

    # -- runs ----------------------------------------------------------------------------

    def resumable_run(self, identity: str) -> str | None:
        """The newest unfinished run of this identity (plan digest, operator, account)."""
        statuses = [s.value for s in RunStatus if s.resumable]
        row = self.db.execute(
            "SELECT run_id FROM runs WHERE fingerprint = ? AND status IN"
            f" ({','.join('?' * len(statuses))}) ORDER BY started_at DESC LIMIT 1",
            (identity, *statuses),
        ).fetchone()
        return None if row is None else str(row[0])

    def create_run(
        self,
        account: str,
        identity: str,
        command: str,
        operator_url: str,
        inputs: Sequence[str],
        actions: Sequence[NewAction],
        run_id: str | None = None,
        plan_digest: str | None = None,
        requires_approval: bool = False,
    ) -> str:
        """Record the run and every action (keys included) in one transaction, synced to
        disk: keys lost to a power cut would be made again and sent a second time."""
        run_id = run_id or new_run_id()
        self.db.execute("PRAGMA synchronous=FULL")
        with self.transaction() as db:
            db.execute(
                "INSERT INTO runs (run_id, account, fingerprint, command, operator_url, inputs,"
                " started_at, finished_at, status, plan_digest, requires_approval)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
                (
                    run_id,
                    account,
                    identity,
                    command,
                    operator_url,
                    json.dumps(list(inputs), ensure_ascii=False),
                    now_iso(),
                    RunStatus.RUNNING.value,
                    plan_digest,
                    int(requires_approval),
                ),
            )
            db.executemany(
                f"INSERT INTO actions (run_id, {_NEW_ACTION_COLUMNS}, extras, said)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?)",
                [
                    (
                        run_id,
                        seq,
                        a.source,
                        a.msisdn,
                        a.kind.value,
                        _quota_text(a.before),
                        _quota_text(a.after),
                        a.version,
                        a.idem_key,
                        a.outcome.value if a.outcome else None,
                        a.error,
                        json.dumps(list(a.extras.items()), ensure_ascii=False),
                        _said_json(a.said),
                    )
                    for seq, a in enumerate(actions)
                ],
            )
        self.db.execute("PRAGMA synchronous=NORMAL")
        return run_id

    def set_run_status(
        self, run_id: str, status: RunStatus, finished: bool = False, at: str | None = None
    ) -> None:
        """`at`: the end time already shown in the report, so both say the same."""
        with state_errors(self.path):
            self.db.execute(
                "UPDATE runs SET status = ?, finished_at = ? WHERE run_id = ?",
                (status.value, (at or now_iso()) if finished else None, run_id),
            )

    def set_report(self, run_id: str, path: str) -> None:
        """Where the run's report was written (a rerun after a kill writes it again)."""
        with state_errors(self.path):
            self.db.execute("UPDATE runs SET report = ? WHERE run_id = ?", (path, run_id))

    def run_status(self, run_id: str) -> RunStatus | None:
        row = self.db.execute("SELECT status FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return None if row is None else RunStatus(row[0])

    def run_of_plan(self, digest: str) -> str | None:
        """The newest run that carried out the plan with this digest."""
        row = self.db.execute(
            "SELECT run_id FROM runs WHERE plan_digest = ? ORDER BY started_at DESC LIMIT 1",
            (digest,),
        ).fetchone()
        return None if row is None else str(row[0])

    def plan_digest_of(self, run_id: str) -> str | None:
        """The digest of the plan the run carried out (runs since journal version 3)."""
        row = self.db.execute("SELECT plan_digest FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return None if row is None or row[0] is None else str(row[0])

    def requires_approval(self, run_id: str) -> bool:
        """Whether four eyes were required when the run started (every resume keeps it)."""
        row = self.db.execute(
            "SELECT requires_approval FROM runs WHERE run_id = ?", (run_id,)
        ).fetchone()
        return bool(row and row[0])

    # -- actions -------------------------------------------------------------------------

    def actions(self, run_id: str) -> list[JournalAction]:
        with state_errors(self.path):
            rows = self.db.execute(
                f"SELECT {_ACTION_COLUMNS} FROM actions WHERE run_id = ? ORDER BY seq", (run_id,)
            ).fetchall()
        return [_journal_action(row) for row in rows]

    def record_progress(
        self,
        run_id: str,
        sending: Sequence[int],
        requests: Sequence[tuple[int, str, str]],
    ) -> None:
        """Actions whose submit began, and the operator's numbers learned (seq, request id,
        status), in one transaction. The executor writes them once per event-loop tick:
        nothing depends on them being durable before the next send, since a re-send of
        an action carries its journaled key and the operator answers with the original
        request."""
        stamp = now_iso()
        clock = time.time()
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO events (run_id, seq, at, what) VALUES (?, ?, ?, 'sending')",
                [(run_id, seq, stamp) for seq in sending],
            )
            db.executemany(
                "UPDATE actions SET sent_at = ? WHERE run_id = ? AND seq = ?",
                [(clock, run_id, seq) for seq in sending],
            )
            db.executemany(
                "UPDATE actions SET request_id = ?, request_status = ?"
                " WHERE run_id = ? AND seq = ?",
                [(request_id, status, run_id, seq) for seq, request_id, status in requests],
            )
            db.executemany(
                "INSERT INTO events (run_id, seq, at, what) VALUES (?, ?, ?, ?)",
                [(run_id, seq, stamp, f"{rid} {status}") for seq, rid, status in requests],
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
                "INSERT INTO events (run_id, seq, at, what) VALUES (?, ?, ?, ?)",
                [(run_id, seq, stamp, status) for seq, status, _ in changes],
            )

    def record_removal(
        self, run_id: str, seq: int, event_id: str | None, status: RequestStatus
    ) -> None:
        """An edit's first step: the removal's event (None: its answer was lost and the
        removal was found done) and status. Once it is completed the second step begins,
        not sent yet."""
        done = status is RequestStatus.COMPLETED
        with self.transaction() as db:
            db.execute(
                "UPDATE actions SET removal_id = COALESCE(?, removal_id), removal_status = ?,"
                " sent_at = CASE WHEN ? THEN NULL ELSE sent_at END WHERE run_id = ? AND seq = ?",
                (event_id, status.value, done, run_id, seq),
            )
            db.execute(
                "INSERT INTO events (run_id, seq, at, what) VALUES (?, ?, ?, ?)",
                (run_id, seq, now_iso(), f"removal {event_id or '?'} {status.value}"),
            )

    def record_found(self, run_id: str, seq: int) -> None:
        """A change whose answer was lost was found in place: its step is completed,
        with no request number."""
        with self.transaction() as db:
            db.execute(
                "UPDATE actions SET request_status = 'completed' WHERE run_id = ? AND seq = ?",
                (run_id, seq),
            )
            db.execute(
                "INSERT INTO events (run_id, seq, at, what) VALUES (?, ?, ?, 'found in place')",
                (run_id, seq, now_iso()),
            )

    def record_lost(self, run_id: str, seq: int, what: str) -> None:
        """A send got no answer: it may have been made."""
        with self.transaction() as db:
            db.execute(
                "UPDATE actions SET lost = lost + 1 WHERE run_id = ? AND seq = ?", (run_id, seq)
            )
            db.execute(
                "INSERT INTO events (run_id, seq, at, what) VALUES (?, ?, ?, ?)",
                (run_id, seq, now_iso(), f"answer lost: {what}"),
            )

    def record_event(self, run_id: str, seq: int, what: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO events (run_id, seq, at, what) VALUES (?, ?, ?, ?)",
                (run_id, seq, now_iso(), what),
            )

    def slowest(self, run_id: str) -> float | None:
        """The slowest processing the operator showed in this run, in seconds."""
        with state_errors(self.path):
            row = self.db.execute(
                "SELECT slowest_s FROM runs WHERE run_id = ?", (run_id,)
            ).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def record_slowest(self, run_id: str, seconds: float) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET slowest_s = MAX(COALESCE(slowest_s, 0), ?) WHERE run_id = ?",
                (seconds, run_id),
            )

    def record_outcome(
        self, run_id: str, seq: int, outcome: Outcome, error: Text | str | None
    ) -> None:
        self.record_outcomes(run_id, [(seq, outcome, error)])

    def record_outcomes(
        self, run_id: str, outcomes: Sequence[tuple[int, Outcome, Text | str | None]]
    ) -> None:
        """A row's outcome and why: the English in `error`, a catalogue reason in `said`
        too (the operator's own words have no code; they stay as they came)."""
        with self.transaction() as db:
            db.executemany(
                "UPDATE actions SET outcome = ?, error = ?, said = ? WHERE run_id = ? AND seq = ?",
                [
                    (
                        o.value,
                        None if error is None else str(error),
                        _reason_json(error),
                        run_id,
                        seq,
                    )
                    for seq, o, error in outcomes
                ],
            )

    # -- reading runs back ---------------------------------------------------------------

    def runs(self, limit: int = 50) -> list[RunResult]:
        with state_errors(self.path):
            return self._runs(limit)

    def _runs(self, limit: int) -> list[RunResult]:
        ids = self.db.execute(
            "SELECT run_id FROM runs ORDER BY started_at DESC LIMIT ?", (limit,)
        ).fetchall()
        return [self._run(str(row[0])) for row in ids]

    def run_count(self) -> int:
        with state_errors(self.path):
            return int(self.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0])

    def run_summaries(self, limit: int = 50) -> list[RunResult]:
        """The newest runs with their counts per outcome but none of their rows: counted
        by SQLite, so a list of runs of 50 000 rows each reads no row into Python."""
        with state_errors(self.path):
            return self._run_summaries(limit)

    def _run_summaries(self, limit: int) -> list[RunResult]:
        heads = self.db.execute(
            f"SELECT run_id, {_HEAD_COLUMNS} FROM runs ORDER BY started_at DESC LIMIT ?",
            (limit,),
        ).fetchall()
        counted: dict[str, dict[str, int]] = {str(h[0]): {} for h in heads}
        if heads:
            marks = ",".join("?" * len(heads))
            for run_id, outcome, n in self.db.execute(
                "SELECT run_id, COALESCE(outcome, 'pending'), COUNT(*) FROM actions"
                f" WHERE run_id IN ({marks}) GROUP BY 1, 2",
                list(counted),
            ):
                counted[str(run_id)][str(outcome)] = int(n)
        return [_result_of(str(head[0]), head[1:], counts=counted[str(head[0])]) for head in heads]

    def sent_requests(
        self, account: str, since: str | None = None, msisdn: str | None = None
    ) -> list[Request]:
        """Every request this home's runs on `account` sent, oldest first (an edit made
        in two requests gives both): the history of an operator that keeps none. Their
        times are their runs' (started, and finished or still going)."""
        with state_errors(self.path):
            rows = self.db.execute(
                "SELECT a.msisdn, a.kind, a.before, a.after, a.request_id, a.request_status,"
                " a.removal_id, a.removal_status, a.outcome, a.error, r.started_at,"
                " COALESCE(r.finished_at, r.started_at) FROM actions a JOIN runs r"
                " ON r.run_id = a.run_id WHERE r.account = ?"
                " AND (a.request_id IS NOT NULL OR a.removal_id IS NOT NULL)"
                " AND (? IS NULL OR r.started_at >= ?) AND (? IS NULL OR a.msisdn = ?)"
                " ORDER BY r.started_at, a.seq",
                (account, since, since, msisdn, msisdn),
            ).fetchall()
        return [request for row in rows for request in _requests_of(row)]

    def run(self, run_id: str) -> RunResult:
        """The run with every row; raises KeyError for an unknown id."""
        with state_errors(self.path):
            return self._run(run_id)

    def _run(self, run_id: str) -> RunResult:
        head = self.db.execute(
            f"SELECT {_HEAD_COLUMNS} FROM runs WHERE run_id = ?", (run_id,)
        ).fetchone()
        if head is None:
            raise KeyError(run_id)
        rows = self.db.execute(
            # An edit made in two requests shows both numbers, the removal's first.
            "SELECT source, msisdn, kind, before, after, CASE WHEN removal_id IS NULL THEN"
            " request_id ELSE removal_id || ', ' || COALESCE(request_id, '—') END,"
            " request_status, outcome, error, extras, said FROM actions WHERE run_id = ?"
            " ORDER BY seq",
            (run_id,),
        ).fetchall()
        return _result_of(run_id, head, rows=list(_row_results(rows)))


_HEAD_COLUMNS = "account, operator_url, inputs, started_at, finished_at, status"


def _result_of(
    run_id: str,
    head: Sequence[Any],
    rows: Sequence[RowResult] = (),
    counts: dict[str, int] | None = None,
) -> RunResult:
    """A run from its row of `runs` (`_HEAD_COLUMNS`), with its rows or only its counts."""
    account, url, inputs, started, finished, status = head
    return RunResult(
        run_id,
        account,
        url,
        tuple(json.loads(inputs)),
        started,
        finished,
        RunStatus(status),
        rows,
        counts,
    )


def _requests_of(row: Sequence[Any]) -> Iterator[Request]:
    msisdn, kind, before, after, rid, rstatus, removal, rmstatus, outcome, error, at, end = row
    created, updated = datetime.fromisoformat(at), datetime.fromisoformat(end)
    rejected = outcome in (Outcome.REJECTED.value, Outcome.FAILED.value)
    if removal is not None:
        status = RequestStatus(rmstatus or RequestStatus.IN_PROGRESS)
        reason = error if rejected and status is RequestStatus.REJECTED else None
        yield Request(
            str(removal), msisdn, Operation.DELETE, _quota(before), status, reason, created, updated
        )
    if rid is not None:
        status = RequestStatus(rstatus or RequestStatus.IN_PROGRESS)
        operation = Operation.DELETE if kind == ActionKind.DELETE.value else Operation.ADD
        if kind == ActionKind.EDIT.value and removal is None:
            operation = Operation.EDIT  # an operator that edits in one request
        quota = None if operation is Operation.DELETE else _quota(after)
        reason = error if rejected and status is RequestStatus.REJECTED else None
        yield Request(str(rid), msisdn, operation, quota, status, reason, created, updated)


def _journal_action(row: Sequence[Any]) -> JournalAction:
    seq, source, msisdn, kind, before, after, version, key, rid, rstatus, outcome, error = row[:12]
    removal_id, removal_status, sent_at, lost = row[12:]
    return JournalAction(
        int(str(seq)),
        str(source),
        str(msisdn),
        ActionKind(kind),
        _quota(before),
        _quota(after),
        None if version is None else int(str(version)),
        None if key is None else str(key),
        None if rid is None else str(rid),
        None if rstatus is None else RequestStatus(rstatus),
        Outcome(outcome) if outcome else None,
        None if error is None else str(error),
        None if removal_id is None else str(removal_id),
        None if removal_status is None else RequestStatus(removal_status),
        None if sent_at is None else float(sent_at),
        int(lost or 0),
    )


def _row_results(rows: Sequence[Sequence[Any]]) -> Iterator[RowResult]:
    for source, msisdn, kind, before, after, rid, rstatus, outcome, error, extras, said in rows:
        yield RowResult(
            str(source),
            str(msisdn),
            ActionKind(kind),
            _quota(before),
            _quota(after),
            None if rid is None else str(rid),
            None if rstatus is None else str(rstatus),
            Outcome(outcome) if outcome else Outcome.PENDING,
            None if error is None else str(error),
            _extras_of(str(extras)),
            said=_said_of(said, str(source)),
        )


def _said_json(problems: Sequence[RowProblem]) -> str | None:
    """Problems as codes and parts; a problem without a code keeps its words."""
    if not problems:
        return None
    return json.dumps(
        [
            {"column": p.column}
            | (p.text.to_json() if isinstance(p.text, Text) else {"words": p.text})
            for p in problems
        ],
        ensure_ascii=False,
    )


def _reason_json(reason: Text | str | None) -> str | None:
    """A catalogue reason as a row's one problem; the operator's words keep only `error`."""
    if not isinstance(reason, Text):
        return None
    return _said_json((RowProblem("", None, reason),))


def _said_of(said: object, source: str) -> tuple[RowProblem, ...]:
    if not said:
        return ()
    return tuple(
        RowProblem(source, item.get("column"), _text_of(item)) for item in json.loads(str(said))
    )


def _text_of(item: dict[str, Any]) -> Text | str:
    return str(item["words"]) if "words" in item else Text.from_json(item)


def new_run_id() -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{uuid.uuid4().hex[:6]}"


def _quota_text(quota: Quota | None) -> str | None:
    return None if quota is None else json.dumps(quota.to_json(), sort_keys=True)


def _quota(text: object) -> Quota | None:
    return None if text is None else _quota_of(str(text))


# A run's rows repeat a handful of quotas (and mostly no extra columns): each distinct
# text is parsed once per process. Both results are immutable, so sharing them is safe.
@lru_cache(maxsize=4096)
def _quota_of(text: str) -> Quota:
    return Quota.from_json(json.loads(text))


@lru_cache(maxsize=4096)
def _extras_of(text: str) -> Extras:
    return Extras.of(tuple(pair) for pair in json.loads(text))

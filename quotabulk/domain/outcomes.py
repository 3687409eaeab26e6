"""What became of every input row in a run: the data behind `show`, reports and exit codes."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from quotabulk.domain.errors import EXIT_OK, EXIT_ROWS_FAILED, RowProblem
from quotabulk.domain.models import NO_EXTRAS, ActionKind, Extras, InvalidRow, Quota, SkippedRow

if TYPE_CHECKING:
    from quotabulk.domain.plan import PlannedAction


class Outcome(StrEnum):
    """A row's verdict. `conflict`: the subscriber changed since the plan was made, so
    nothing was sent for it."""

    APPLIED = "applied"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"
    FAILED = "failed"
    PENDING = "pending"
    CONFLICT = "conflict"
    INVALID = "invalid"
    SKIPPED = "skipped"
    # A period not yet begun (the day is in the row's words): not a failure.
    SCHEDULED = "scheduled"

    @property
    def good(self) -> bool:
        return self in (Outcome.APPLIED, Outcome.UNCHANGED)

    @property
    def needs_attention(self) -> bool:
        """Listed for a person after a run: not applied nor as desired, and not a row
        waiting for its day (that one is counted)."""
        return not self.good and self is not Outcome.SCHEDULED

    @property
    def settled(self) -> bool:
        """Final for this row: nothing more to send or follow."""
        return self is not Outcome.PENDING


class RunStatus(StrEnum):
    """A journaled run: `running` until it ends; `interrupted` and `pending` resume."""

    RUNNING = "running"
    INTERRUPTED = "interrupted"
    PENDING = "pending"
    FINISHED = "finished"
    FAILED = "failed"
    DRY_RUN = "dry-run"

    @property
    def resumable(self) -> bool:
        return self in (RunStatus.RUNNING, RunStatus.INTERRUPTED, RunStatus.PENDING)

    @property
    def ended(self) -> bool:
        """Nothing about the run changes any more."""
        return not self.resumable


@dataclass(frozen=True, slots=True)
class RowResult:
    """One input row (or one prune) and its fate, keyed by its source location."""

    source: str
    msisdn: str
    action: ActionKind
    before: Quota | None
    after: Quota | None
    request_id: str | None
    request_status: str | None
    outcome: Outcome
    error: str | None
    extras: Extras = NO_EXTRAS
    # False when the subscriber's state was never read (the run stopped before that):
    # the report then says so instead of showing "no quota".
    state_known: bool = True
    # An invalid row's problems in the catalogue's terms (`error` is their English):
    # shown in the reader's language. Empty for rows journaled before codes were kept.
    said: tuple[RowProblem, ...] = ()
    # The personal account, in the result of a command over several (`holding_result`).
    account: str | None = None

    @classmethod
    def invalid(cls, row: InvalidRow) -> RowResult:
        """An input row that failed validation, as the report shows it."""
        return cls(
            row.source,
            row.msisdn,
            ActionKind.INVALID,
            None,
            None,
            None,
            None,
            Outcome.INVALID,
            row.message,
            row.extras,
            said=row.problems,
        )

    @classmethod
    def planned(
        cls, action: PlannedAction, outcome: Outcome, error: str | None = None
    ) -> RowResult:
        """A planned action that was not sent (unchanged, or a dry run)."""
        return cls(
            action.source,
            action.msisdn,
            action.kind,
            action.before,
            action.after,
            None,
            None,
            outcome,
            error,
            action.extras,
        )

    @classmethod
    def skipped(
        cls, source: str, msisdn: str, extras: Extras, reason: str, *, state_known: bool = True
    ) -> RowResult:
        """A row nothing was done for, and why (a total row, a run that never started:
        then `state_known` is False, for its subscriber's quota was never read)."""
        return cls(
            source,
            msisdn,
            ActionKind.SKIPPED,
            None,
            None,
            None,
            None,
            Outcome.SKIPPED,
            reason,
            extras,
            state_known,
        )

    @classmethod
    def set_aside(cls, row: SkippedRow) -> RowResult:
        """A row that asks for nothing today: `scheduled` when its day is to come."""
        found = cls.skipped(row.source, row.msisdn, row.extras, row.reason)
        if row.scheduled is None:
            return found
        return dataclasses.replace(found, outcome=Outcome.SCHEDULED)


@dataclass(frozen=True)
class RunResult:
    """A run as the journal knows it."""

    run_id: str
    account: str
    operator_url: str
    inputs: tuple[str, ...]
    started_at: str
    finished_at: str | None
    status: RunStatus
    rows: Sequence[RowResult] = field(default_factory=tuple)
    # A summary read without its rows (`Journal.run_summaries`) carries its counts here.
    outcome_counts: dict[str, int] | None = None
    # A command over several accounts: each account's own run (`holding_result`).
    parts: tuple[RunResult, ...] = ()

    def counts(self) -> dict[str, int]:
        if self.outcome_counts is not None:
            return {o.value: self.outcome_counts.get(o.value, 0) for o in Outcome}
        found = Counter(row.outcome for row in self.rows)
        return {outcome.value: found.get(outcome, 0) for outcome in Outcome}

    @property
    def exit_code(self) -> int:
        """0 when every row is applied or already as desired; a row that asks for
        nothing (a total row) does not count against it."""
        fine = all(row.outcome.good or row.action is ActionKind.SKIPPED for row in self.rows)
        return EXIT_OK if fine else EXIT_ROWS_FAILED


# Worst first: what a command over several accounts is, when its runs ended differently.
_STATUS_ORDER = (
    RunStatus.INTERRUPTED,
    RunStatus.RUNNING,
    RunStatus.PENDING,
    RunStatus.FAILED,
    RunStatus.FINISHED,
    RunStatus.DRY_RUN,
)


def holding_result(parts: Sequence[RunResult]) -> RunResult:
    """One result of a command over several accounts: every account's rows, each marked
    with its account, the runs' ids, the earliest start and the latest end."""
    assert parts, "a command runs at least one account"
    if len(parts) == 1:
        return parts[0]
    rows = [dataclasses.replace(row, account=part.account) for part in parts for row in part.rows]
    ran = [part for part in parts if part.run_id not in ("", "-")]
    ids = [part.run_id for part in ran]
    ended = [part.finished_at for part in parts]
    # An account that never ran does not make the runs of the others "failed".
    status = min((part.status for part in ran or parts), key=_STATUS_ORDER.index)
    return RunResult(
        ", ".join(ids) or "-",
        ", ".join(part.account for part in parts),
        parts[0].operator_url,
        parts[0].inputs,
        min((part.started_at for part in parts if part.started_at), default=""),
        None if None in ended else max((e for e in ended if e), default=None),
        status,
        rows,
        parts=tuple(parts),
    )

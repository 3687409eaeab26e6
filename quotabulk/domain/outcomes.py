"""What became of every input row in a run: the data behind `show`, reports and exit codes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from quotabulk.domain.errors import EXIT_OK, EXIT_ROWS_FAILED
from quotabulk.domain.models import InvalidRow, Quota


class Outcome(StrEnum):
    APPLIED = "applied"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"
    FAILED = "failed"
    PENDING = "pending"
    INVALID = "invalid"
    SKIPPED = "skipped"

    @property
    def good(self) -> bool:
        return self in (Outcome.APPLIED, Outcome.UNCHANGED)

    @property
    def settled(self) -> bool:
        """Final for this row: nothing more to send or follow."""
        return self is not Outcome.PENDING


@dataclass(frozen=True, slots=True)
class RowResult:
    """One input row (or one prune) and its fate, keyed by its source location."""

    source: str
    msisdn: str
    action: str  # add / edit / delete / unchanged / invalid
    before: Quota | None
    after: Quota | None
    request_id: str | None
    request_status: str | None
    outcome: Outcome
    error: str | None
    extras: tuple[tuple[str, str], ...] = ()


def invalid_result(row: InvalidRow) -> RowResult:
    """An invalid input row as the report shows it."""
    return RowResult(
        row.source,
        row.msisdn,
        "invalid",
        None,
        None,
        None,
        None,
        Outcome.INVALID,
        row.message,
        tuple(row.extras.items()),
    )


@dataclass(frozen=True)
class RunResult:
    """A run as the journal knows it."""

    run_id: str
    account: str
    operator_url: str
    inputs: tuple[str, ...]
    started_at: str
    finished_at: str | None
    status: str
    rows: Sequence[RowResult] = field(default_factory=tuple)

    def counts(self) -> dict[str, int]:
        found = Counter(row.outcome for row in self.rows)
        return {outcome.value: found.get(outcome, 0) for outcome in Outcome}

    @property
    def exit_code(self) -> int:
        return EXIT_OK if all(row.outcome.good for row in self.rows) else EXIT_ROWS_FAILED

    def summary_line(self) -> str:
        parts = [f"{count} {name}" for name, count in self.counts().items() if count]
        return f"Run {self.run_id}: " + (", ".join(parts) or "no rows") + "."

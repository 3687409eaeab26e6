"""The one error tree of quotabulk; `cli.main` turns each into its exit code.

QuotabulkError                  a user-facing message and an exit code
├── InputError                  one bad input, located by file, sheet, row, column (1)
├── ValidationFailed            every row problem of a strict run, collected (1)
├── ConfigError                 a missing or wrong setting (1)
├── UsageError                  a command line that does not make sense (1)
├── PlanError                   a plan that must not run: guard tripped, stale plan (1)
├── AccessDenied                who you are does not allow it: password, role, approval (1)
│   └── DecisionTaken           the submission was decided already; that decision stands (1)
├── StateError                  local state unusable: disk full, read-only, damaged, newer (1/3)
├── LockedError                 another run holds the account's lock (4)
├── LockLost                    another process took over the lock mid-run; it stopped (3)
├── Interrupted                 the user stopped the run; the journal is consistent (130)
└── ApiError                    the operator could not be talked to (1)
    ├── ApiStatusError          the operator answered, and refused the call
    │   ├── Rejected            for a reason of its own (`reason_code`, `words`): the row fails
    │   ├── StaleVersion        the subscriber changed since the version planned against
    │   ├── RequestInFlight     another request for the subscriber is not final yet
    │   ├── Throttled           over the operator's rate limit (`retry_after`): transient
    │   └── OperatorFault       the operator failed on its side: transient
    ├── ApiTransportError       no usable answer: connection, timeout, protocol
    └── OperatorUnavailable     no good answer for --operator-timeout; names the URL (5)

The engine reads only these classes; each dialect maps its own answers onto them (the
HTTP dialect: 412, 409 `request_in_flight`, 429, 5xx, other 4xx), at the one seam where
they enter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from quotabulk.domain.messages import OPERATOR_GONE, ROWS_INVALID, Text

EXIT_OK = 0
EXIT_INPUT = 1
EXIT_PENDING_CHANGES = 2
EXIT_ROWS_FAILED = 3
EXIT_LOCKED = 4
EXIT_OPERATOR = 5
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130


@dataclass(frozen=True, slots=True)
class Location:
    """Where a problem sits: a file, and within it a sheet, a row and a column."""

    file: str
    sheet: str | None = None
    row: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet is not None:
            parts.append(self.sheet)
        if self.row is not None:
            parts.append(str(self.row))
        return ":".join(parts)


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One invalid input row: where it is, which column, and what is wrong — a catalogue
    `Text` (a plain string only when read back from an older journal or plan)."""

    source: str
    column: str | None
    text: Text | str

    @property
    def message(self) -> str:
        """The problem in English, as the JSON outputs and scripts read it."""
        return str(self.text)

    @property
    def code(self) -> str | None:
        return self.text.code if isinstance(self.text, Text) else None

    def to_json(self) -> dict[str, Any]:
        """As the JSON outputs and saved plans carry it: the English message for people
        reading the file, the code and parts for programs (and for other languages)."""
        found: dict[str, Any] = {"column": self.column, "message": self.message}
        if isinstance(self.text, Text):
            found |= self.text.to_json()
        return found

    def __str__(self) -> str:
        where = self.source if self.column is None else f"{self.source}, column «{self.column}»"
        return f"{where}: {self.message}"


class QuotabulkError(Exception):
    """Base of every expected failure: a one-sentence message and the exit code."""

    exit_code = EXIT_INPUT
    # True once a face reported it in its own form (a JSON log line): not printed again.
    reported = False
    # The report written about the failure, when one was (the nightly promise).
    report: Path | None = None

    def __init__(self, message: str | Text) -> None:
        super().__init__(str(message))
        self.message = str(message)
        # The catalogue's words when it has them: a face shows them in the user's language.
        self.text: Text | None = message if isinstance(message, Text) else None


class InputError(QuotabulkError):
    """Raised when an input file cannot be read as a quota document at all."""

    def __init__(
        self, location: Location | str, message: str | Text, column: str | None = None
    ) -> None:
        self.location = str(location)
        self.column = column
        self.reason = message
        where = self.location if column is None else f"{self.location}, column «{column}»"
        super().__init__(f"{where}: {message}")
        self.text = message if isinstance(message, Text) else None


class _HasProblems(Protocol):
    @property
    def problems(self) -> tuple[RowProblem, ...]: ...


class ValidationFailed(QuotabulkError):
    """Raised by strict runs when one or more rows are invalid; carries all of them."""

    @classmethod
    def of_rows(cls, rows: Iterable[_HasProblems]) -> ValidationFailed:
        return cls([problem for row in rows for problem in row.problems])

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        self.problems = list(problems)
        count = len({problem.source for problem in self.problems})  # rows, not problems
        super().__init__(ROWS_INVALID(n=count))


class ConfigError(QuotabulkError):
    """Raised when configuration (flags, environment, mapping file) is missing or wrong."""


class UsageError(QuotabulkError):
    """Raised when the command line asks for something that does not make sense."""


class PlanError(QuotabulkError):
    """Raised when a plan must not run: the deletion guard tripped or a saved plan is stale."""


class AccessDenied(QuotabulkError):
    """A wrong password, a role that may not do this, or a plan without the approval
    four eyes need. Nothing was sent."""


class DecisionTaken(AccessDenied):
    """Raised when a checker decides a submission that has its decision already (another
    tab, an old form, another checker first): the first decision stands."""

    def __init__(self, message: str, state: str, by: str | None, at: str | None) -> None:
        super().__init__(message)
        self.state = state
        self.by = by
        self.at = at


class StateError(QuotabulkError):
    """Raised when `$QUOTABULK_HOME` cannot be used: a full disk, a read-only folder, a
    damaged journal or one written by a newer version. Exit 1 before anything was sent,
    3 once a run had started (`after_sending`)."""

    # True when the run it stopped is known to have sent nothing (exit 1 stands).
    nothing_sent = False

    def after_sending(self) -> StateError:
        late = StateError(f"{self.message}; the run had started: rerun the same command")
        late.exit_code = EXIT_ROWS_FAILED
        return late


class LockedError(QuotabulkError):
    """Raised when another run holds the lock of the account."""

    exit_code = EXIT_LOCKED


class LockLost(QuotabulkError):
    """Raised when another process took the account's lock over while this run held it:
    this one stops sending and leaves the run, unchanged, to the new holder."""

    exit_code = EXIT_ROWS_FAILED


class Interrupted(QuotabulkError):
    """Raised when the user interrupts a run after its bookkeeping was made consistent."""

    exit_code = EXIT_INTERRUPTED


class ApiError(QuotabulkError):
    """Raised when the operator API could not be used."""

    retryable: bool = False


class ApiStatusError(ApiError):
    """Raised when the operator answered and refused the call. `status` is the dialect's
    own number for it (shown in messages, never matched on); `code` its reason."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        self.code = code
        self.detail = message
        self.retry_after: float | None = None
        super().__init__(f"the operator refused the call ({status} {code}): {message}")


class Rejected(ApiStatusError):
    """Raised when the operator refuses a call for a reason of its own: that row fails."""

    @property
    def reason_code(self) -> str:
        return self.code

    @property
    def words(self) -> str:
        return self.detail


class StaleVersion(ApiStatusError):
    """Raised when a conditional write finds the subscriber changed since the version it
    was planned against: nothing was made of it, and its row is a `conflict`."""


class RequestInFlight(ApiStatusError):
    """Raised when another request for the subscriber is not final yet: wait for it."""


class Throttled(ApiStatusError):
    """Raised when the call was over the operator's rate limit; `retry_after` seconds
    when the operator said. Transient."""

    retryable = True


class OperatorFault(ApiStatusError):
    """Raised when the operator failed on its side (it may work again soon). Transient."""

    retryable = True


class ApiTransportError(ApiError):
    """Raised when no usable answer came back: connection refused, timeout, dropped reply."""

    retryable = True


class AnswerLost(ApiTransportError):
    """Raised when a change was sent and no answer came: the operator may have made it.
    Not retried where the operator has no idempotency key — sending again could make the
    change twice; the engine first looks whether it took effect."""

    retryable = False


class OperatorUnavailable(ApiError):
    """Raised when the operator gave no good answer for the whole operator timeout
    (down, failing, throttling, trickling). `last` is the last fault seen; it was a
    transport fault when a submit may have left the process unanswered."""

    exit_code = EXIT_OPERATOR

    def __init__(self, url: str, timeout_s: float, last: ApiError) -> None:
        self.url = url
        self.last = last
        super().__init__(
            OPERATOR_GONE(url=url, time=_duration(timeout_s), fault=last.text or last.message)
        )


def _duration(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)} min"
    return f"{seconds:g} s"

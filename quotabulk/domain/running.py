"""What a run is, in the terms both faces and the engine share: its options, what it
tells whoever watches, what it plans and how its identity and gate are given. (The
engine runs them; the faces build them through `quotabulk.app`.)"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from quotabulk.domain.messages import Text
from quotabulk.domain.models import InvalidRow, SkippedRow, Subscriber
from quotabulk.domain.outcomes import RunResult
from quotabulk.domain.plan import Plan
from quotabulk.domain.quota_rules import QuotaRules


@dataclass(frozen=True)
class ExecuteOptions:
    concurrency: int = 8
    rate_limit: float = 10.0  # calls a second
    wait_s: float = 600.0
    poll_first_s: float = 1.0
    poll_tail_s: float = 0.2
    tail_s: float = 5.0
    poll_max_s: float = 10.0
    per_minute: int | None = None  # the operator's second budget, calls a minute


class ProgressSink:
    """What the executor tells whoever watches; the default hears nothing."""

    def begin(self, to_send: int, to_follow: int) -> None: ...
    def sent(self) -> None: ...
    def finished(self, status: str) -> None: ...
    def failed(self, message: str) -> None: ...
    def retrying(self, message: str) -> None: ...
    def stopping(self) -> None: ...


@dataclass(frozen=True)
class PlannedRun:
    """A plan ready to journal, with the input rows reported as invalid or skipped."""

    plan: Plan
    invalid: Sequence[InvalidRow] = ()
    skipped: Sequence[SkippedRow] = ()
    notices: Sequence[Text] = ()  # what the operator's state says beside the plan


class GateCheck(NamedTuple):
    """What the approval gate is asked about a run about to start or resume: its plan's
    digest (None for a run journaled before plans had one), whether approval was
    required when the run started, and the run (None: not journaled yet)."""

    digest: str | None
    required_at_start: bool
    run_id: str | None
    # The schedule the plan is one day of (inputs with periods): an approved plan of the
    # same schedule lets this day's plan run too.
    schedule: str | None = None


@dataclass(frozen=True)
class RunSpec:
    """What to run. `plan_key` identifies the plan (a saved plan's digest, or the inputs
    and options that make it); with the operator and account it is the run's identity."""

    command: str
    inputs: tuple[str, ...]
    plan_key: tuple[str, ...]
    build: Callable[[dict[str, Subscriber], QuotaRules], PlannedRun]
    msisdns: frozenset[str] = field(default_factory=frozenset)
    # Asked before a run is journaled, before a journaled run is resumed, and again once
    # the account's lock is held; raises to refuse (four eyes: a plan nobody else
    # approved). A resume is never checked less strictly than its start was.
    gate: Callable[[GateCheck], None] | None = None
    # Approval is required for this start (the flag or the home's policy): recorded with
    # the run, so that every later resume requires it too.
    requires_approval: bool = False


Confirm = Callable[[PlannedRun | None, RunResult | None], bool]
Finish = Callable[[RunResult], None]

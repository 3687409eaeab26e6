"""The engine against an operator that implements the port without HTTP: it plans,
sends, follows and verifies through domain terms only, chooses its strategy from the
operator's capabilities, and keeps to a rate it owns."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from quotabulk.domain.models import DesiredRow, Quota, RowAction, Subscriber
from quotabulk.domain.outcomes import Outcome
from quotabulk.domain.plan import plan
from quotabulk.domain.running import ExecuteOptions, PlannedRun, ProgressSink, RunSpec
from quotabulk.engine.execute import Executor
from quotabulk.engine.runner import RunOutcome, _executor_for, run_apply
from quotabulk.engine.stepwise import StepwiseExecutor
from quotabulk.engine.stopping import Stop
from quotabulk.operator.port import Capabilities
from quotabulk.store.journal import Journal
from tests.engine.memory_operator import MemoryOperator

NUMBERS = [f"7916300{n:04d}" for n in range(6)]
FAST = ExecuteOptions(rate_limit=1000, poll_first_s=0.01, poll_tail_s=0.01, poll_max_s=0.05)


def desired(limit: int) -> list[DesiredRow]:
    return [
        DesiredRow(f"q.csv:{n + 2}", msisdn, RowAction.SET, Decimal(limit))
        for n, msisdn in enumerate(NUMBERS)
    ]


def spec_of(rows: list[DesiredRow]) -> RunSpec:
    return RunSpec(
        "apply",
        ("q.csv",),
        ("memory", str(rows[0].limit)),
        lambda current, rules: PlannedRun(plan(rows, current, rules=rules)),
        frozenset(r.msisdn for r in rows),
    )


def apply(operator: MemoryOperator, journal: Journal, rows: list[DesiredRow]) -> RunOutcome:
    return asyncio.run(
        run_apply(operator, journal, spec_of(rows), FAST, ProgressSink(), lambda *_: True, Stop())
    )


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "journal.db")


def operator(**capabilities: object) -> MemoryOperator:
    people = {m: Subscriber(m, Quota(Decimal(100))) for m in NUMBERS}
    return MemoryOperator("ACC-1", people, Capabilities(**capabilities))  # type: ignore[arg-type]


def test_the_engine_applies_through_the_port_alone(journal: Journal) -> None:
    memory = operator()
    done = apply(memory, journal, desired(500))
    assert done.result is not None
    assert done.result.counts()["applied"] == len(NUMBERS)
    assert memory.submits == len(NUMBERS)
    assert {s.quota for s in memory.people.values()} == {Quota(Decimal(500))}
    assert memory.paced > len(NUMBERS)  # every call kept to the engine's own rate
    again = apply(memory, journal, desired(500))
    assert again.result is not None
    assert again.result.counts()["unchanged"] == len(NUMBERS)
    assert memory.submits == len(NUMBERS)
    journal.close()


def test_a_subscriber_changed_by_someone_else_is_a_conflict_never_overwritten(
    journal: Journal,
) -> None:
    memory = operator()
    memory.changed_by_others.add(NUMBERS[0])
    done = apply(memory, journal, desired(700))
    assert done.result is not None
    outcomes = {r.msisdn: r.outcome for r in done.result.rows}
    assert outcomes[NUMBERS[0]] is Outcome.CONFLICT
    assert memory.people[NUMBERS[0]].quota == Quota(Decimal(100))
    assert list(outcomes.values()).count(Outcome.APPLIED) == len(NUMBERS) - 1
    journal.close()


def test_a_change_made_by_someone_else_after_ours_is_a_conflict_with_our_number(
    journal: Journal,
) -> None:
    memory = operator()
    memory.set_by_others_after_ours[NUMBERS[1]] = Quota(Decimal(2007))
    done = apply(memory, journal, desired(2000))
    assert done.result is not None
    row = next(r for r in done.result.rows if r.msisdn == NUMBERS[1])
    assert row.outcome is Outcome.CONFLICT  # not `failed`: someone else changed it
    assert row.request_id is not None  # our request number is kept
    assert row.error is not None
    assert "changed by someone else after our request" in row.error
    assert done.result.counts()["applied"] == len(NUMBERS) - 1
    journal.close()


def test_without_conditional_writes_no_version_is_sent(journal: Journal) -> None:
    memory = operator(conditional_writes=False)
    memory.changed_by_others.add(NUMBERS[0])
    done = apply(memory, journal, desired(700))
    assert done.result is not None
    assert done.result.counts()["applied"] == len(NUMBERS)  # nothing to compare against
    journal.close()


@pytest.mark.parametrize("missing", ["idempotent_submits", "native_edit"])
def test_an_operator_without_keys_or_one_request_edits_is_driven_step_by_step(
    missing: str,
) -> None:
    """Re-sending with the same key is safe only with idempotent submits; an edit is one
    request only with a native edit. Otherwise the engine looks before it re-sends, and
    edits in two steps (tested over HTTP in test_mts_exactly_once)."""
    assert _executor_for(Capabilities(**{missing: False})) is StepwiseExecutor
    assert _executor_for(Capabilities()) is Executor

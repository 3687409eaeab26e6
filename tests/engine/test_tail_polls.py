"""After the last send, the executor looks once when the last request should be final by
the operator's own processing times, instead of polling on a fixed beat."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from quotabulk.domain.requests import Operation, Request, RequestStatus
from quotabulk.domain.running import ExecuteOptions, ProgressSink
from quotabulk.engine.execute import TAIL_MARGIN_S, Executor
from quotabulk.engine.stopping import Stop
from quotabulk.store.journal import Journal

OPTIONS = ExecuteOptions(poll_tail_s=0.05, tail_s=5.0)


@pytest.fixture
def executor(tmp_path: Path) -> Any:
    with Journal(tmp_path / "journal.db") as journal:
        operator: Any = object()  # never called: only the tail's timing is looked at
        yield Executor(operator, journal, "run", OPTIONS, ProgressSink(), Stop())


def final(took_s: float) -> Request:
    created = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    return Request(
        "Z-1",
        "79160000001",
        Operation.EDIT,
        None,
        RequestStatus.COMPLETED,
        None,
        created,
        created + timedelta(seconds=took_s),
    )


def test_without_processing_times_the_tail_polls_on_its_beat(executor: Any) -> None:
    executor._last_send = time.monotonic()
    assert executor._tail_pause(9.0) == OPTIONS.poll_tail_s


def test_the_first_tail_poll_waits_for_the_slowest_processing_seen(executor: Any) -> None:
    executor._learn_processing([final(0.4), final(2.0), final(1.0)])
    executor._last_send = time.monotonic()
    pause = executor._tail_pause(9.0)
    # 2 s after the last send, less the moments this test took to get here.
    assert 1.0 < pause <= 2.0 + TAIL_MARGIN_S


def test_once_the_last_request_is_due_the_tail_polls_on_its_beat(executor: Any) -> None:
    executor._learn_processing([final(2.0)])
    executor._last_send = time.monotonic() - 2.5
    assert executor._tail_pause(9.0) == OPTIONS.poll_tail_s
    executor._last_send = time.monotonic() - OPTIONS.tail_s - 1
    assert executor._tail_pause(9.0) == 9.0  # past the tail: the usual back-off


def test_timestamps_that_make_no_sense_teach_nothing(executor: Any) -> None:
    executor._learn_processing([final(-3.0), final(OPTIONS.tail_s + 60)])
    executor._last_send = time.monotonic()
    assert executor._tail_pause(9.0) == OPTIONS.poll_tail_s

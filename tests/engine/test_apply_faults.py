"""Exactly one request per change against a faulty operator over real HTTP, and after
kill -9 or Ctrl-C at any moment, a rerun that finishes the job."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from quotabulk.domain.models import Quota, Subscriber
from quotabulk.sandbox.faults import Faults
from quotabulk.sandbox.store import Behaviour, SandboxStore
from tests.conftest import CliResult
from tests.live import LiveSandbox, live_sandbox

ACC = "ACC-FAULTS"


def seed(db: Path, count: int) -> list[str]:
    numbers = [str(79050000000 + i) for i in range(count)]
    store = SandboxStore(db)
    # Every third subscriber starts without a quota, so the sheet adds, edits and deletes.
    store.reset_account(
        ACC,
        [Subscriber(m, None if i % 3 == 0 else Quota(Decimal(100))) for i, m in enumerate(numbers)],
    )
    store.close()
    return numbers


def sheet(path: Path, numbers: list[str]) -> Path:
    lines = ["Номер;Лимит;Действие"]
    for i, msisdn in enumerate(numbers):
        lines.append(f"{msisdn};;удалить" if i % 3 == 1 else f"{msisdn};{200 + i};")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def requests_per_subscriber(db: Path, account: str = ACC) -> Counter[str]:
    store = SandboxStore(db)
    try:
        items = store.history(account, None, None, 0, 100_000)[0]
    finally:
        store.close()
    return Counter(str(item["msisdn"]) for item in items)


@pytest.fixture
def operator_env(monkeypatch: pytest.MonkeyPatch) -> Callable[[LiveSandbox], None]:
    def point_at(live: LiveSandbox) -> None:
        monkeypatch.setenv("QUOTABULK_API_URL", live.url)
        monkeypatch.setenv("QUOTABULK_TOKEN", live.token)
        monkeypatch.setenv("QUOTABULK_ACCOUNT", ACC)

    return point_at


@pytest.mark.slow
def test_exactly_one_request_per_change_under_faults(
    tmp_path: Path, cli: Callable[..., CliResult], operator_env: Callable[[LiveSandbox], None]
) -> None:
    db = tmp_path / "sandbox.db"
    numbers = seed(db, 120)
    faults = Faults(error_rate=0.1, throttle_rate=0.1, lost_response_rate=0.05, seed=3)
    with live_sandbox(db, Behaviour(processing_ms=100), faults) as live:
        operator_env(live)
        path = sheet(tmp_path / "q.csv", numbers)
        result = cli("apply", "--yes", path, "--rate-limit", "200", "--concurrency", "8")
        for _ in range(3):  # a run whose retries ran out leaves rows open; the rerun finishes
            if result.code == 0:
                break
            result = cli("apply", "--yes", path, "--rate-limit", "200")
        assert result.code == 0, result.out + result.err
        assert "120 applied" in result.out
        again = cli("plan", path, "--detailed-exitcode")
    assert again.code == 0, again.out
    per_subscriber = requests_per_subscriber(db)
    assert set(per_subscriber) == set(numbers)
    assert max(per_subscriber.values()) == 1


def _apply_process(path: Path, live: LiveSandbox, home: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "QUOTABULK_API_URL": live.url,
        "QUOTABULK_TOKEN": live.token,
        "QUOTABULK_ACCOUNT": ACC,
        "QUOTABULK_HOME": str(home),
    }
    command = [
        sys.executable,
        "-m",
        "quotabulk",
        "apply",
        "--yes",
        str(path),
        "--rate-limit",
        "150",
    ]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _until_done(path: Path, live: LiveSandbox, home: Path) -> list[int]:
    codes = []
    for _ in range(4):
        process = _apply_process(path, live, home)
        _, err = process.communicate(timeout=120)
        codes.append(process.returncode)
        if process.returncode == 0:
            return codes
    raise AssertionError(f"reruns did not finish: {codes}; last stderr: {err.decode()[-2000:]}")


@pytest.fixture
def faulty_operator(tmp_path: Path) -> Iterator[tuple[LiveSandbox, list[str]]]:
    db = tmp_path / "sandbox.db"
    numbers = seed(db, 300)
    with live_sandbox(
        db, Behaviour(processing_ms=300), Faults(lost_response_rate=0.05, seed=5)
    ) as live:
        yield live, numbers


@pytest.mark.slow
@pytest.mark.parametrize("kill_after_s", [0.3, 1.0, 2.2])
def test_kill_9_at_any_moment_then_rerun_finishes_without_doubling(
    tmp_path: Path,
    faulty_operator: tuple[LiveSandbox, list[str]],
    kill_after_s: float,
    cli: Callable[..., CliResult],
    operator_env: Callable[[LiveSandbox], None],
) -> None:
    live, numbers = faulty_operator
    path = sheet(tmp_path / "q.csv", numbers)
    home = tmp_path / "home"
    process = _apply_process(path, live, home)
    time.sleep(kill_after_s)
    process.kill()
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    codes = _until_done(path, live, home)
    assert codes[-1] == 0
    per_subscriber = requests_per_subscriber(live.db)
    assert set(per_subscriber) == set(numbers)
    assert max(per_subscriber.values()) == 1  # no subscriber got two requests for one change
    operator_env(live)
    assert cli("plan", path, "--detailed-exitcode").code == 0


def wait_for_requests(
    db: Path, at_least: int = 1, timeout_s: float = 60.0, account: str = ACC
) -> int:
    """Block until the operator has made `at_least` requests: an event, not a fixed sleep."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        made = sum(requests_per_subscriber(db, account).values())
        if made >= at_least:
            return made
        time.sleep(0.02)
    raise AssertionError(f"the operator got fewer than {at_least} requests in {timeout_s} s")


def journal_state(home: Path) -> tuple[list[str], int]:
    """Run statuses and lock rows of a home's journal, read as another process would."""
    db = sqlite3.connect(home / "journal.db")
    try:
        statuses = [row[0] for row in db.execute("SELECT status FROM runs")]
        locks = db.execute("SELECT COUNT(*) FROM locks").fetchone()[0]
    finally:
        db.close()
    return statuses, int(locks)


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_stops_sending_exits_130_and_the_rerun_continues(
    tmp_path: Path, faulty_operator: tuple[LiveSandbox, list[str]], stop_signal: signal.Signals
) -> None:
    live, numbers = faulty_operator
    path = sheet(tmp_path / "q.csv", numbers)
    home = tmp_path / "home"
    process = _apply_process(path, live, home)
    wait_for_requests(live.db)
    process.send_signal(stop_signal)
    _, err = process.communicate(timeout=60)
    text = err.decode()
    assert process.returncode == 130, text[-2000:]
    assert "stopping" in text
    assert "the same command continues it" in text
    assert "Traceback" not in text
    statuses, locks = journal_state(home)
    assert statuses == ["interrupted"]  # never left `running`
    assert locks == 0
    sent_before = sum(requests_per_subscriber(live.db).values())
    assert 0 < sent_before < len(numbers)
    assert _until_done(path, live, home)[-1] == 0
    per_subscriber = requests_per_subscriber(live.db)
    assert set(per_subscriber) == set(numbers)
    assert max(per_subscriber.values()) == 1

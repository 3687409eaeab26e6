"""The unattended night against an operator that misbehaves: every case ends within
--operator-timeout (plus start-up), with the documented exit code, one line that names
the operator, a report, and no traceback. Time limits here only guard against hangs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from quotabulk.domain.models import Quota, Subscriber
from quotabulk.sandbox.store import SandboxStore
from tests.live import TOKEN
from tests.operator.bad_operators import misbehaving_operator

pytestmark = pytest.mark.slow
ACC = "ACC-NIGHT"
NUMBERS = [str(79080000000 + i) for i in range(4)]
TIMEOUT_S = 3.0
HANG_GUARD_S = 60.0


def seed(db: Path) -> None:
    store = SandboxStore(db)
    store.reset_account(ACC, [Subscriber(m, Quota(Decimal(100))) for m in NUMBERS])
    store.close()


def reconcile(url: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], float, dict]:  # type: ignore[type-arg]
    sheet = tmp_path / "q.csv"
    sheet.write_text("Номер;Лимит\n" + "".join(f"{m};{200 + i}\n" for i, m in enumerate(NUMBERS)))
    report = tmp_path / "night.json"
    env = {
        **os.environ,
        "QUOTABULK_API_URL": url,
        "QUOTABULK_TOKEN": TOKEN,
        "QUOTABULK_ACCOUNT": ACC,
        "QUOTABULK_HOME": str(tmp_path / "home"),
    }
    command = [sys.executable, "-m", "quotabulk", "reconcile", str(sheet), "--report", str(report)]
    command += ["--operator-timeout", f"{TIMEOUT_S}s"]
    started = time.monotonic()
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=HANG_GUARD_S, check=False
    )
    took = time.monotonic() - started
    print(f"{url}: exit {done.returncode} in {took:.1f} s")  # figures for the closing note
    return done, took, json.loads(report.read_text(encoding="utf-8"))


def json_lines(stderr: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in stderr.splitlines()]  # only JSON lines on stderr


def the_failure(stderr: str) -> str:
    events = json_lines(stderr)
    return next(e["error"] for e in events if e["level"] == "error")


def test_an_operator_that_is_down_exits_5_naming_it(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    done, _, report = reconcile(url, tmp_path)
    assert done.returncode == 5, done.stderr[-2000:]
    assert url in the_failure(done.stderr)
    assert "Traceback" not in done.stderr
    assert {row["outcome"] for row in report["rows"]} == {"skipped"}


def test_retry_after_an_hour_is_not_waited_for(tmp_path: Path) -> None:
    seed(tmp_path / "op.db")
    with misbehaving_operator(tmp_path / "op.db", "retry-after") as url:
        done, took, _ = reconcile(url, tmp_path)
    assert done.returncode == 5, done.stderr[-2000:]
    assert url in the_failure(done.stderr)
    assert took < HANG_GUARD_S


def test_an_answer_trickling_in_a_byte_a_second_times_out(tmp_path: Path) -> None:
    seed(tmp_path / "op.db")
    with misbehaving_operator(tmp_path / "op.db", "trickle") as url:
        done, _, _ = reconcile(url, tmp_path)
    assert done.returncode == 5, done.stderr[-2000:]
    assert "did not answer in time" in the_failure(done.stderr)


def test_read_back_failing_after_the_requests_completed_is_exit_3_with_their_numbers(
    tmp_path: Path,
) -> None:
    seed(tmp_path / "op.db")
    with misbehaving_operator(tmp_path / "op.db", "readback-502") as url:
        done, _, report = reconcile(url, tmp_path)
    assert done.returncode == 3, done.stderr[-2000:]
    rows = report["rows"]
    assert {row["outcome"] for row in rows} == {"pending"}
    assert all(row["request_id"] and row["request_status"] == "completed" for row in rows)
    assert all("could not be read back" in row["error"] for row in rows)
    assert report["summary"]["run_id"] != "-"
    assert url in the_failure(done.stderr)

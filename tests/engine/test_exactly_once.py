"""Exactly what was approved, exactly once: across processes, homes, operators, plans and
signals. Every test talks to a real sandbox over HTTP on loopback, and most run quotabulk
as separate processes, the way a team and a cron job really do."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from quotabulk.domain.models import Quota, Subscriber
from quotabulk.sandbox.store import Behaviour, SandboxStore
from tests.engine.test_apply_faults import journal_state, wait_for_requests
from tests.live import LiveSandbox, live_sandbox

pytestmark = pytest.mark.slow
ACC = "ACC-ONCE"


def seed(db: Path, count: int, first: int = 79060000000) -> list[str]:
    numbers = [str(first + i) for i in range(count)]
    store = SandboxStore(db)
    store.reset_account(ACC, [Subscriber(m, Quota(Decimal(100))) for m in numbers])
    store.close()
    return numbers


def sheet(path: Path, numbers: list[str], base: int) -> Path:
    lines = ["Номер;Лимит", *(f"{m};{base + i}" for i, m in enumerate(numbers))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def operator_state(db: Path) -> tuple[Counter[str], dict[str, Decimal | None]]:
    """Requests per subscriber, and the limit each subscriber holds now."""
    store = SandboxStore(db)
    try:
        requests = store.history(ACC, None, None, 0, 100_000)[0]
        items, _ = store.list_subscribers(ACC, None, 100_000)
    finally:
        store.close()
    limits = {
        item["msisdn"]: None if item["quota"] is None else Decimal(item["quota"]["limit"])
        for item in items
    }
    return Counter(str(r["msisdn"]) for r in requests), limits


def env_for(live: LiveSandbox, home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "QUOTABULK_API_URL": live.url,
        "QUOTABULK_TOKEN": live.token,
        "QUOTABULK_ACCOUNT": ACC,
        "QUOTABULK_HOME": str(home),
    }


def quotabulk(
    live: LiveSandbox, home: Path, *args: str | Path, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "quotabulk", *map(str, args)],
        env=env_for(live, home),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start(live: LiveSandbox, home: Path, *args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "quotabulk", *map(str, args)],
        env=env_for(live, home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def operator(tmp_path: Path) -> Iterator[tuple[LiveSandbox, list[str]]]:
    db = tmp_path / "operator.db"
    numbers = seed(db, 150)
    with live_sandbox(db, Behaviour(processing_ms=300)) as live:
        yield live, numbers


def test_two_machines_applying_one_sheet_at_once_make_one_request_per_change(
    tmp_path: Path, operator: tuple[LiveSandbox, list[str]]
) -> None:
    live, numbers = operator
    path = sheet(tmp_path / "q.csv", numbers, 200)
    args = ("apply", "--yes", path, "--rate-limit", "100", "--concurrency", "8")
    first, second = start(live, tmp_path / "home-a", *args), start(live, tmp_path / "home-b", *args)
    _, err_a = first.communicate(timeout=240)
    _, err_b = second.communicate(timeout=240)
    assert first.returncode == 0, err_a[-2000:]
    assert second.returncode == 0, err_b[-2000:]
    per_subscriber, limits = operator_state(live.db)
    assert sum(per_subscriber.values()) == 150
    assert set(per_subscriber.values()) == {1}
    assert all(limits[m] == 200 + i for i, m in enumerate(numbers))


def test_another_plan_never_runs_as_the_approved_one(
    tmp_path: Path, operator: tuple[LiveSandbox, list[str]]
) -> None:
    live, numbers = operator
    numbers = numbers[:30]
    home = tmp_path / "home"
    x, y = tmp_path / "x.json", tmp_path / "y.json"
    assert quotabulk(live, home, "plan", sheet(tmp_path / "x.csv", numbers, 200), "--out", x)
    assert quotabulk(live, home, "plan", sheet(tmp_path / "y.csv", numbers, 300), "--out", y)
    applied_x = quotabulk(live, home, "apply", "--yes", "--plan", x, "--wait", "0.05s")
    assert applied_x.returncode in (0, 3), applied_x.stderr
    applied_y = quotabulk(live, home, "apply", "--yes", "--plan", y)
    _, limits = operator_state(live.db)
    if applied_y.returncode == 0:  # exit 0 always means the operator holds what was approved
        assert all(limits[m] == 300 + i for i, m in enumerate(numbers))
    else:  # or Y is refused as stale, and X's values stand
        assert applied_y.returncode == 1
        assert "stale" in applied_y.stderr
        for i, m in enumerate(numbers):
            assert limits[m] in (Decimal(100), Decimal(200 + i))
    runs = json.loads(quotabulk(live, home, "runs", "--format", "json").stdout)
    assert len({r["run_id"] for r in runs}) == len(runs)
    assert "Resuming" not in applied_y.stderr


def test_a_saved_plan_edited_by_hand_or_made_for_another_operator_is_refused(
    tmp_path: Path, operator: tuple[LiveSandbox, list[str]]
) -> None:
    live, numbers = operator
    home = tmp_path / "home"
    saved = tmp_path / "plan.json"
    made = quotabulk(
        live, home, "plan", sheet(tmp_path / "q.csv", numbers[:3], 200), "--out", saved
    )
    assert made.returncode == 0, made.stderr
    body = json.loads(saved.read_text(encoding="utf-8"))
    body["actions"][0]["after"]["limit"] = "99999"
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(body), encoding="utf-8")
    refused = quotabulk(live, home, "apply", "--yes", "--plan", edited)
    assert refused.returncode == 1
    assert "was edited after it was saved" in refused.stderr
    body = json.loads(saved.read_text(encoding="utf-8"))
    body["format_version"] = 1
    older = tmp_path / "older.json"
    older.write_text(json.dumps(body), encoding="utf-8")
    refused = quotabulk(live, home, "apply", "--yes", "--plan", older)
    assert refused.returncode == 1
    assert "made by an older quotabulk; plan again" in refused.stderr
    with live_sandbox(tmp_path / "other.db") as other:
        seed(other.db, 3)
        elsewhere = quotabulk(other, home, "apply", "--yes", "--plan", saved)
    assert elsewhere.returncode == 1
    assert f"made for the operator at {live.url}" in elsewhere.stderr
    assert sum(operator_state(live.db)[0].values()) == 0


def test_a_subscriber_changed_by_another_tool_during_the_run_is_a_conflict(
    tmp_path: Path, operator: tuple[LiveSandbox, list[str]]
) -> None:
    live, numbers = operator
    home = tmp_path / "home"
    path = sheet(tmp_path / "q.csv", numbers[:3], 200)
    # One request a second: the third subscriber is sent two seconds after the first.
    process = start(live, home, "apply", "--yes", path, "--rate-limit", "1", "--format", "json")
    wait_for_requests(live.db, 1, account=ACC)
    other = httpx.post(  # another tool edits the third subscriber meanwhile
        f"{live.url}/v1/accounts/{ACC}/requests",
        headers={"Authorization": f"Bearer {live.token}", "Idempotency-Key": "other-tool-1"},
        json={"msisdn": numbers[2], "operation": "edit", "quota": {"limit": "777"}},
    )
    assert other.status_code == 201, other.text
    out, err = process.communicate(timeout=120)
    assert process.returncode == 3, err[-2000:]
    rows = {r["msisdn"]: r for r in json.loads(out)["rows"]}
    assert rows[numbers[2]]["outcome"] == "conflict"
    assert rows[numbers[2]]["request_id"] is None
    assert "plan again" in rows[numbers[2]]["error"]
    per_subscriber, limits = operator_state(live.db)
    assert limits[numbers[2]] == 777  # the other tool's change stands
    assert per_subscriber[numbers[2]] == 1  # only the other tool's request
    assert limits[numbers[0]] == 200
    assert limits[numbers[1]] == 201


def test_a_run_never_resumes_against_another_operator(
    tmp_path: Path, operator: tuple[LiveSandbox, list[str]]
) -> None:
    live_a, numbers = operator
    home = tmp_path / "home"
    path = sheet(tmp_path / "q.csv", numbers, 200)
    process = start(live_a, home, "apply", "--yes", path, "--rate-limit", "50")
    wait_for_requests(live_a.db, 5, account=ACC)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err[-2000:]
    with live_sandbox(tmp_path / "b.db", Behaviour(processing_ms=50)) as live_b:
        seed(live_b.db, 150)
        finished = quotabulk(live_b, home, "apply", "--yes", path, "--rate-limit", "200")
        assert finished.returncode == 0, finished.stderr[-2000:]
        assert "Resuming" not in finished.stderr
        per_subscriber, limits = operator_state(live_b.db)
    assert set(per_subscriber.values()) == {1}
    assert sum(per_subscriber.values()) == 150
    assert all(limits[m] == 200 + i for i, m in enumerate(numbers))


def test_sigterm_during_reconcile_writes_the_report_and_exits_130(
    tmp_path: Path, operator: tuple[LiveSandbox, list[str]]
) -> None:
    live, numbers = operator
    home = tmp_path / "home"
    report = tmp_path / "night.json"
    path = sheet(tmp_path / "q.csv", numbers, 200)
    process = start(live, home, "reconcile", path, "--rate-limit", "50", "--report", report)
    wait_for_requests(live.db, 5, account=ACC)
    stopped_at = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    took = time.monotonic() - stopped_at
    assert process.returncode == 130, err[-2000:]
    body = json.loads(report.read_text(encoding="utf-8"))
    assert len(body["rows"]) == 150
    assert body["summary"]["status"] == "interrupted"
    assert body["summary"]["outcomes"]["pending"] > 0
    assert journal_state(home) == (["interrupted"], 0)
    print(f"SIGTERM to exit: {took:.2f} s")  # the closing note reports this figure
    again = quotabulk(live, home, "reconcile", path, "--rate-limit", "200", "--report", report)
    assert again.returncode == 0, again.stderr[-2000:]
    assert set(operator_state(live.db)[0].values()) == {1}


def test_a_kill_between_the_end_and_the_report_is_finished_by_the_rerun(
    tmp_path: Path, operator: tuple[LiveSandbox, list[str]]
) -> None:
    """The run dies at the moment its report is due; rerunning the command resumes that
    run (it is not marked finished), writes the report and re-sends nothing, not even
    the rejected row."""
    live, numbers = operator
    home = tmp_path / "home"
    numbers = numbers[:10]
    store = SandboxStore(live.db)
    store.reset_account(ACC, [Subscriber(m, Quota(Decimal(100)), m == numbers[0]) for m in numbers])
    store.close()
    path = sheet(tmp_path / "q.csv", numbers, 200)
    script = tmp_path / "die_at_report.py"
    script.write_text(DIE_AT_REPORT, encoding="utf-8")
    died = subprocess.run(
        [sys.executable, str(script), str(path)],
        env=env_for(live, home),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert died.returncode == 9, died.stderr[-2000:]
    assert journal_state(home)[0] == ["running"]
    report = tmp_path / "night.xlsx"
    again = quotabulk(live, home, "reconcile", path, "--report", report)
    assert again.returncode == 3, again.stderr[-2000:]  # the blocked subscriber is rejected
    assert report.exists()
    per_subscriber, _ = operator_state(live.db)
    assert set(per_subscriber.values()) == {1}  # nothing re-sent, the rejected row neither
    assert journal_state(home) == (["finished"], 0)


# A library user's script (the public API) that applies like `reconcile` and is killed
# exactly when the report is due: the moment a kill used to lose the report.
DIE_AT_REPORT = """
import os, sys
from pathlib import Path
import quotabulk
from quotabulk.app.reports import ReportRequest
from quotabulk.domain.running import ExecuteOptions, ProgressSink
from quotabulk.app import reports

def die(*_):
    os._exit(9)

reports.write_run_report = die
import quotabulk.app.applying as applying
applying.write_run_report = die
space = quotabulk.Workspace(quotabulk.load_settings())
path = Path(sys.argv[1])
loaded = quotabulk.validate([path])
spec = quotabulk.files_spec("reconcile", (str(path),), loaded, quotabulk.PlanOptions(),
                            skip_invalid=False)
quotabulk.run(space, None, spec, ExecuteOptions(rate_limit=100), ProgressSink(),
              lambda *_: True, ReportRequest(None))
"""


def test_the_first_ctrl_c_cuts_a_long_retry_wait(tmp_path: Path) -> None:
    from quotabulk.sandbox.faults import Faults

    db = tmp_path / "operator.db"
    numbers = seed(db, 5)
    home = tmp_path / "home"
    path = sheet(tmp_path / "q.csv", numbers, 200)
    # Every answer is a 503: the listing sits in backoff for up to five minutes.
    with live_sandbox(db, faults=Faults(error_rate=1.0)) as down:
        process = start(down, home, "apply", "--yes", path)
        deadline = time.monotonic() + 60
        while not (home / "journal.db").exists():  # opened once the stop signals are armed
            assert time.monotonic() < deadline, "the run never started"
            time.sleep(0.02)
        time.sleep(0.5)  # well into the first backoff
        stopped_at = time.monotonic()
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err[-2000:]
    assert "stopping" in err
    assert "interrupted before anything was sent" in err
    assert time.monotonic() - stopped_at < 30  # a guard against hanging, not a benchmark
    assert journal_state(home) == ([], 0)


def test_the_operator_echoing_the_token_never_reaches_output_or_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An operator that puts the token into its error text: blanked everywhere."""
    from tests.engine.echo_operator import echoing_operator

    home = tmp_path / "home"
    token = "s3cr3t-token-that-must-not-leak"
    with echoing_operator(token) as url:
        env = {
            **os.environ,
            "QUOTABULK_API_URL": url,
            "QUOTABULK_TOKEN": token,
            "QUOTABULK_ACCOUNT": ACC,
            "QUOTABULK_HOME": str(home),
        }
        report = tmp_path / "r.json"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "quotabulk",
                "reconcile",
                str(sheet(tmp_path / "q.csv", ["79060000000"], 5)),
                "--report",
                str(report),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode != 70, done.stderr
    everything = done.stdout + done.stderr
    for path in [*home.rglob("*"), report]:
        if path.is_file():
            everything += path.read_bytes().decode("utf-8", "replace")
    assert token not in everything
    assert "**********" in done.stderr


def test_a_prompt_left_open_holds_no_lock_and_answering_yes_sends_nothing_twice(
    tmp_path: Path, operator: tuple[LiveSandbox, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a person reads the plan, the nightly reconcile runs to the end (the lock is
    not held by an open prompt); the person's `y` then sends nothing a second time."""
    import quotabulk
    from quotabulk.domain.running import ExecuteOptions, ProgressSink

    live, numbers = operator
    numbers = numbers[:20]
    path = sheet(tmp_path / "q.csv", numbers, 200)
    home = tmp_path / "person"
    for name, value in env_for(live, home).items():
        if name.startswith("QUOTABULK_"):
            monkeypatch.setenv(name, value)
    nightly: list[subprocess.CompletedProcess[str]] = []

    def confirm(planned: object, resumed: object) -> bool:
        nightly.append(quotabulk_run_reconcile(live, tmp_path, path))
        return True

    space = quotabulk.Workspace(quotabulk.load_settings())
    loaded = quotabulk.validate([path])
    spec = quotabulk.files_spec(
        "apply", (str(path),), loaded, quotabulk.PlanOptions(), skip_invalid=False
    )
    done = quotabulk.run(space, None, spec, ExecuteOptions(rate_limit=100), ProgressSink(), confirm)
    [night] = nightly
    assert night.returncode == 0, night.stderr[-2000:]  # not 4: the prompt held no lock
    assert done.result is not None
    assert done.result.exit_code == 0
    assert {row.outcome.value for row in done.result.rows} == {"applied"}
    per_subscriber, limits = operator_state(live.db)
    assert sum(per_subscriber.values()) == 20
    assert set(per_subscriber.values()) == {1}
    assert all(limits[m] == 200 + i for i, m in enumerate(numbers))


def quotabulk_run_reconcile(
    live: LiveSandbox, tmp_path: Path, path: Path
) -> subprocess.CompletedProcess[str]:
    return quotabulk(live, tmp_path / "person", "reconcile", path, "--rate-limit", "100")

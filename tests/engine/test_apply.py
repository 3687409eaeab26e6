"""apply against the embedded sandbox: outcomes, confirmation, saved plans, pending, resume."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from quotabulk.engine.lock import FOREIGN_EXPIRY_S, Owner, acquire, boot_id, process_start
from quotabulk.sandbox.store import SandboxStore
from quotabulk.store.journal import Journal
from tests.cli.test_validate import ALL_EXAMPLES
from tests.conftest import EXAMPLES, CliResult


@pytest.fixture(autouse=True)
def fast_sandbox(monkeypatch: pytest.MonkeyPatch, cli: Callable[..., CliResult]) -> None:
    monkeypatch.setenv("QUOTABULK_SANDBOX_PROCESSING_MS", "50")
    assert cli("sandbox", "seed", "--from", EXAMPLES / "current.yaml").code == 0


def history(quotabulk_home: Path) -> list[dict[str, object]]:
    store = SandboxStore(quotabulk_home / "sandbox.db")
    try:
        return store.history("ACC-100200", None, None, 0, 1000)[0]
    finally:
        store.close()


def test_apply_sends_one_request_per_change_and_verifies(
    cli: Callable[..., CliResult], quotabulk_home: Path
) -> None:
    result = cli("apply", "--yes", *ALL_EXAMPLES)
    assert result.code == 0, result.err
    assert result.out.strip().endswith(": 9 applied, 5 unchanged.")
    requests = history(quotabulk_home)
    assert len(requests) == 9
    assert len({r["msisdn"] for r in requests}) == 9
    assert {r["status"] for r in requests} == {"completed"}
    again = cli("plan", *ALL_EXAMPLES)
    assert again.out.splitlines()[-1] == "Plan: 0 to add, 0 to edit, 0 to delete, 14 unchanged."


def test_rejections_are_reported_with_the_reason_and_exit_3(
    cli: Callable[..., CliResult], text_file: Callable[..., Path]
) -> None:
    sheet = text_file("q.csv", "Номер;Лимит\n79123456792;150000\n79161000005;700\n")
    result = cli("apply", "--yes", sheet, "--format", "json")
    assert result.code == 3
    body = json.loads(result.out)
    assert body["counts"]["applied"] == 1
    assert body["counts"]["rejected"] == 1
    [row] = body["rows"]
    assert row["source"] == f"{sheet}:2"
    assert row["outcome"] == "rejected"
    assert row["request_status"] == "rejected"
    assert row["request_id"].startswith("Z-")
    assert "потолка" in row["error"]


def test_invalid_rows_with_skip_invalid_are_reported_invalid(
    cli: Callable[..., CliResult], text_file: Callable[..., Path], quotabulk_home: Path
) -> None:
    sheet = text_file("q.csv", "Номер;Лимит;ФИО\n79161000005;700;Анна\n123;5;Борис\n")
    result = cli("apply", "--yes", "--skip-invalid", sheet, "--format", "json")
    assert result.code == 3
    [row] = json.loads(result.out)["rows"]
    assert (row["source"], row["outcome"], row["action"]) == (f"{sheet}:3", "invalid", "invalid")
    assert len(history(quotabulk_home)) == 1


def test_with_skip_invalid_a_number_not_on_the_account_is_an_invalid_row_of_the_report(
    cli: Callable[..., CliResult], text_file: Callable[..., Path], tmp_path: Path
) -> None:
    sheet = text_file("q.csv", "Номер;Лимит\n79161000005;700\n79990000000;5\n")
    report = tmp_path / "r.json"
    result = cli("apply", "--yes", "--skip-invalid", sheet, "--report", report)
    assert result.code == 3
    body = json.loads(report.read_text("utf-8"))
    rows = {row["source"]: row for row in body["rows"]}
    assert len(rows) == 2  # every input row accounted for
    assert rows[f"{sheet}:3"]["outcome"] == "invalid"
    assert "not a subscriber of this account" in rows[f"{sheet}:3"]["error"]
    assert body["summary"]["outcomes"]["invalid"] == 1
    assert "1 invalid" in result.out  # the summary line agrees with the report


def test_without_a_terminal_and_without_yes_nothing_is_sent(
    cli: Callable[..., CliResult], quotabulk_home: Path
) -> None:
    result = cli("apply", *ALL_EXAMPLES)
    assert result.code == 1
    assert "add --yes" in result.err
    assert history(quotabulk_home) == []


def test_strict_apply_sends_nothing_when_a_row_is_invalid(
    cli: Callable[..., CliResult], text_file: Callable[..., Path], quotabulk_home: Path
) -> None:
    sheet = text_file("q.csv", "Номер;Лимит\n79161000005;700\n79990000000;5\n")
    result = cli("apply", "--yes", sheet)
    assert result.code == 1
    assert "79990000000 is not a subscriber of this account" in result.err
    assert history(quotabulk_home) == []


def test_a_saved_plan_is_applied_when_fresh_and_refused_when_stale(
    cli: Callable[..., CliResult],
    tmp_path: Path,
    quotabulk_home: Path,
    text_file: Callable[..., Path],
) -> None:
    saved = tmp_path / "plan.json"
    assert cli("plan", *ALL_EXAMPLES, "--out", saved).code == 0
    # Someone changes two of the planned subscribers before the plan is applied.
    other = text_file("other.csv", "Номер;Лимит\n79123456789;999\n79161000002;1\n")
    assert cli("apply", "--yes", other).code == 0
    before = len(history(quotabulk_home))
    stale = cli("apply", "--yes", "--plan", saved)
    assert stale.code == 1
    assert "the saved plan is stale, nothing was sent: 2 subscribers changed" in stale.err
    assert (
        "79123456789 was 1000 ₽ (warn at 800, block), now 999 ₽ (warn at 800, block)" in stale.err
    )
    assert len(history(quotabulk_home)) == before
    fresh = tmp_path / "fresh.json"
    assert cli("plan", *ALL_EXAMPLES, "--out", fresh).code == 0
    applied = cli("apply", "--yes", "--plan", fresh)
    assert applied.code == 0, applied.err
    assert "9 applied, 5 unchanged" in applied.out


def test_a_plan_edited_by_hand_is_refused(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    cli("plan", *ALL_EXAMPLES, "--out", saved)
    body = json.loads(saved.read_text("utf-8"))
    body["actions"][0]["before"]["limit"] = "1"
    saved.write_text(json.dumps(body), encoding="utf-8")
    result = cli("apply", "--yes", "--plan", saved)
    assert result.code == 1
    assert "was edited after it was saved" in result.err


def test_requests_not_final_at_the_deadline_stay_pending_and_the_rerun_follows_them(
    cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch, quotabulk_home: Path
) -> None:
    monkeypatch.setenv("QUOTABULK_SANDBOX_PROCESSING_MS", "1500")
    first = cli("apply", "--yes", "--wait", "0", *ALL_EXAMPLES, "--format", "json")
    assert first.code == 3
    body = json.loads(first.out)
    assert body["counts"]["pending"] == 9
    assert all(row["request_id"] for row in body["rows"])
    time.sleep(1.6)
    second = cli("apply", "--yes", *ALL_EXAMPLES, "--format", "json")
    assert second.code == 0, second.err
    assert f"Resuming run {body['run_id']}" in second.err
    assert json.loads(second.out)["counts"]["applied"] == 9
    assert len(history(quotabulk_home)) == 9  # followed, not re-sent


def test_runs_and_show_read_the_journal(cli: Callable[..., CliResult]) -> None:
    applied = cli("apply", "--yes", *ALL_EXAMPLES, "--format", "json")
    run_id = json.loads(applied.out)["run_id"]
    listed = cli("runs")
    assert run_id in listed.out
    assert "9 applied, 5 unchanged" in listed.out
    shown = cli("show", run_id, "--format", "json")
    rows = json.loads(shown.out)["rows"]
    assert len(rows) == 14
    assert {r["outcome"] for r in rows} == {"applied", "unchanged"}
    assert cli("show", "no-such-run").code == 1


def test_a_concurrent_run_exits_4_naming_the_holder(
    cli: Callable[..., CliResult], quotabulk_home: Path
) -> None:
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        journal = Journal(quotabulk_home / "journal.db")
        acquire(
            journal,
            "ACC-100200",
            "reconcile nightly.xlsx",
            Owner(socket.gethostname(), holder.pid, None),
        )
        journal.close()
        result = cli("apply", "--yes", *ALL_EXAMPLES)
        assert result.code == 4
        holder_named = f"for ACC-100200: reconcile nightly.xlsx by process {holder.pid}"
        assert f"another run holds the lock {holder_named}" in result.err
        assert history(quotabulk_home) == []
    finally:
        holder.kill()
        holder.wait()
    # The holder is gone now: the same host takes its lock over.
    assert cli("apply", "--yes", *ALL_EXAMPLES).code == 0


def test_a_live_local_lock_is_never_taken_over_whatever_the_clock_says(
    cli: Callable[..., CliResult], quotabulk_home: Path
) -> None:
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        journal = Journal(quotabulk_home / "journal.db")
        owner = Owner(socket.gethostname(), holder.pid, process_start(holder.pid))
        acquire(journal, "ACC-100200", "apply", owner)
        # A clock jump: the heartbeat looks years old. The process is alive: still held.
        journal.db.execute("UPDATE locks SET heartbeat_at = '2020-01-01T00:00:00.000Z'")
        journal.close()
        assert cli("apply", "--yes", *ALL_EXAMPLES).code == 4
    finally:
        holder.kill()
        holder.wait()


def test_a_foreign_lock_expires_once_its_heartbeat_stood_still_on_our_own_clock(
    cli: Callable[..., CliResult], quotabulk_home: Path
) -> None:
    journal = Journal(quotabulk_home / "journal.db")
    acquire(journal, "ACC-100200", "apply", Owner("another-host", 1, None))
    journal.db.execute("UPDATE locks SET heartbeat_at = '2020-01-01T00:00:00.000Z'")
    # First sight of it: its wall-clock heartbeat proves nothing, so it is held.
    assert cli("apply", "--yes", *ALL_EXAMPLES).code == 4
    seen = json.loads(journal.db.execute("SELECT seen FROM locks").fetchone()[0])
    assert seen["beats"] == 0
    assert seen["host"] == socket.gethostname()
    # The same count, noted longer ago than the expiry on this boot's monotonic clock.
    seen["at"] = time.monotonic() - FOREIGN_EXPIRY_S - 1
    assert seen["boot"] == boot_id()
    journal.db.execute("UPDATE locks SET seen = ?", (json.dumps(seen),))
    journal.close()
    assert cli("apply", "--yes", *ALL_EXAMPLES).code == 0


def test_the_lock_is_released_after_a_run(
    quotabulk_home: Path, cli: Callable[..., CliResult]
) -> None:
    assert cli("apply", "--yes", *ALL_EXAMPLES).code == 0
    journal = Journal(quotabulk_home / "journal.db")
    assert journal.db.execute("SELECT COUNT(*) FROM locks").fetchone()[0] == 0
    journal.close()


def test_a_request_already_in_flight_at_the_operator_gets_no_second_one(
    cli: Callable[..., CliResult],
    quotabulk_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    text_file: Callable[..., Path],
) -> None:
    from quotabulk.operator.http.wire import Operation, SubmitRequest
    from quotabulk.sandbox.store import Behaviour

    # Someone else (the cabinet, another tool) asked for 79161000005 a moment ago.
    store = SandboxStore(quotabulk_home / "sandbox.db", Behaviour(processing_ms=60_000))
    body = SubmitRequest(msisdn="79161000005", operation=Operation.DELETE)
    foreign, _ = store.submit("ACC-100200", "someone-elses-key", body, "hash")
    store.close()
    sheet = text_file("q.csv", "Номер;Лимит\n79161000005;700\n79161000004;3100\n")
    result = cli("apply", "--yes", "--wait", "1", sheet, "--format", "json")
    assert result.code == 3
    rows = {row["msisdn"]: row for row in json.loads(result.out)["rows"]}
    assert rows["79161000005"]["outcome"] == "pending"
    assert foreign["request_id"] in rows["79161000005"]["error"]
    requests = [r for r in history(quotabulk_home) if r["msisdn"] == "79161000005"]
    assert [r["request_id"] for r in requests] == [foreign["request_id"]]


def test_a_report_that_cannot_be_written_leaves_the_run_finished_and_says_so(
    cli: Callable[..., CliResult], quotabulk_home: Path, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the report's folder should be", encoding="utf-8")
    result = cli("apply", "--yes", *ALL_EXAMPLES, "--report", blocked / "report.xlsx")
    assert result.code == 3, result.err
    assert "could not be written" in result.err
    assert "Traceback" not in result.err
    run_id = result.out.strip().splitlines()[-1].split()[1].rstrip(":")
    assert len(history(quotabulk_home)) == 9  # the run itself went through
    statuses, _ = _journal(quotabulk_home)
    assert statuses == ["finished"]
    later = tmp_path / "later.xlsx"
    assert cli("show", run_id, "--report", later).code == 0
    assert later.exists()


def _journal(home: Path) -> tuple[list[str], list[str]]:
    import sqlite3

    db = sqlite3.connect(home / "journal.db")
    try:
        rows = db.execute("SELECT status, report FROM runs").fetchall()
    finally:
        db.close()
    return [str(r[0]) for r in rows], [str(r[1]) for r in rows]

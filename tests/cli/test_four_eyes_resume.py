"""The four-eyes gate holds at every start and every resume, in real processes: a run
stopped halfway is never finished without the approval that a new run would need, and a
saved plan runs only on the account it was made for."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from quotabulk.app import people
from quotabulk.app.workspace import Workspace
from quotabulk.config import load_settings
from quotabulk.formats.plans.read import read_plan_file
from tests.cli.conftest import ADMIN, CHECKER, MAKER, Run, lines
from tests.conftest import EXAMPLES

pytestmark = pytest.mark.slow
NUMBERS = [f"7916200{n:04d}" for n in range(30)]


def requests_sent(home: Path) -> int:
    db = sqlite3.connect(home / "sandbox.db")
    try:
        return int(db.execute("SELECT COUNT(*) FROM requests").fetchone()[0])
    finally:
        db.close()


def audit_events(home: Path, event: str) -> list[tuple[str, str]]:
    db = sqlite3.connect(home / "journal.db")
    try:
        rows = db.execute("SELECT user, detail FROM audit WHERE event = ?", (event,)).fetchall()
    finally:
        db.close()
    return [(str(user), str(detail)) for user, detail in rows]


@pytest.fixture
def half_run(qb: Run, quotabulk_home: Path, tmp_path: Path) -> Path:
    """30 changes, an apply with no policy on stopped by SIGTERM after a few were sent."""
    seed = tmp_path / "current.csv"
    seed.write_text("Номер;Действие\n" + "".join(f"{n};удалить\n" for n in NUMBERS), "utf-8")
    assert qb("sandbox", "seed", "--from", seed).returncode == 0
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("Номер;Лимит\n" + "".join(f"{n};1500\n" for n in NUMBERS), "utf-8")
    admin = qb("users", "add", ADMIN[0], "--role", "admin", stdin=lines(ADMIN[1], ADMIN[1]))
    assert admin.returncode == 0, admin.stderr
    stopped_halfway(quotabulk_home, "apply", "--yes", sheet)
    return sheet


def stopped_halfway(home: Path, *args: str | Path) -> None:
    """`quotabulk ARGS` at 3 requests a second, stopped by SIGTERM once 3 were sent."""
    env = {**os.environ, "QUOTABULK_SANDBOX_PROCESSING_MS": "30"}
    start = requests_sent(home) if (home / "sandbox.db").exists() else 0
    process = subprocess.Popen(
        [sys.executable, "-m", "quotabulk", *map(str, args), "--rate-limit", "3"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while requests_sent(home) - start < 3:
        assert time.monotonic() < deadline, "the run never started sending"
        assert process.poll() is None, process.communicate()[1].decode()[-2000:]
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err.decode()[-2000:]
    assert 3 <= requests_sent(home) - start < len(NUMBERS)


def test_a_resume_after_the_policy_turned_on_sends_nothing_more(
    qb: Run, half_run: Path, quotabulk_home: Path
) -> None:
    before = requests_sent(quotabulk_home)
    on = qb("policy", "set", "four-eyes", "on", "--as", ADMIN[0], stdin=lines(ADMIN[1]))
    assert on.returncode == 0, on.stderr
    for command in ("apply", "reconcile"):
        args = [command, half_run] + (["--yes"] if command == "apply" else [])
        resumed = qb(*args)
        assert resumed.returncode == 1, resumed.stderr[-2000:]
        assert "no approval by a checker" in resumed.stderr
        assert "Traceback" not in resumed.stderr
        assert requests_sent(quotabulk_home) == before  # nothing more reached the operator
    refusals = audit_events(quotabulk_home, "run refused")
    assert len(refusals) == 2
    assert all("no approval" in detail for _, detail in refusals)


def test_a_resume_with_require_approval_is_as_strict_as_a_new_run(
    qb: Run, half_run: Path, quotabulk_home: Path
) -> None:
    before = requests_sent(quotabulk_home)
    strict = qb("apply", half_run, "--yes", "--require-approval")
    assert strict.returncode == 1, strict.stderr[-2000:]
    assert "no approval by a checker" in strict.stderr
    assert requests_sent(quotabulk_home) == before
    # The same command without the flag, with no policy, finishes the run it started:
    # one request per change over both runs.
    done = qb("apply", half_run, "--yes")
    assert done.returncode == 0, done.stderr[-2000:]
    assert requests_sent(quotabulk_home) == len(NUMBERS)


def test_a_run_started_under_four_eyes_keeps_needing_it_after_the_policy_is_off(
    qb: Run, half_run: Path, quotabulk_home: Path, tmp_path: Path
) -> None:
    """The stricter of then and now: a run that required approval when it started needs
    it on every resume, whatever the flags and the policy say later."""
    for (name, password), role in ((MAKER, "maker"), (CHECKER, "checker")):
        stdin = lines(ADMIN[1], password, password)
        assert (
            qb("users", "add", name, "--role", role, "--as", ADMIN[0], stdin=stdin).returncode == 0
        )
    done = qb("apply", half_run, "--yes")  # finish the first half-run: its changes are in
    assert done.returncode == 0, done.stderr[-2000:]
    sheet = tmp_path / "raise.csv"
    sheet.write_text("Номер;Лимит\n" + "".join(f"{n};2500\n" for n in NUMBERS), "utf-8")
    plan = tmp_path / "raise.json"
    made = qb("plan", sheet, "--out", plan, "--as", MAKER[0], stdin=lines(MAKER[1]))
    assert made.returncode == 0, made.stderr
    assert qb("approve", plan, "--as", CHECKER[0], stdin=lines(CHECKER[1])).returncode == 0
    before = requests_sent(quotabulk_home)
    stopped_halfway(quotabulk_home, "apply", "--plan", plan, "--yes", "--require-approval")
    sent = requests_sent(quotabulk_home)
    assert sent > before
    # The approval is withdrawn: the same plan is submitted again, and declined.
    space = Workspace(load_settings())
    digest = read_plan_file(plan).digest
    people.submit_plan(space, digest, people.Credentials(*MAKER), {})
    people.decide(space, digest, people.Credentials(*CHECKER), approve=False)
    # No flag, no policy: still refused, for the run was started under four eyes.
    resumed = qb("apply", "--plan", plan, "--yes")
    assert resumed.returncode == 1, resumed.stderr[-2000:]
    assert "no approval by a checker" in resumed.stderr
    assert requests_sent(quotabulk_home) == sent


def test_a_saved_plan_for_another_account_is_refused(
    qb: Run, plan_file: Path, quotabulk_home: Path
) -> None:
    approved = qb("approve", plan_file, "--as", CHECKER[0], stdin=lines(CHECKER[1]))
    assert approved.returncode == 0, approved.stderr
    env = {**os.environ, "QUOTABULK_ACCOUNT": "ACC-2"}
    other = subprocess.run(
        [sys.executable, "-m", "quotabulk", "apply", "--plan", str(plan_file), "--yes"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert other.returncode == 1, other.stderr
    assert "the plan was made for account ACC-100200 but QUOTABULK_ACCOUNT is ACC-2" in (
        other.stderr
    )
    assert requests_sent(quotabulk_home) == 0


def test_a_decision_is_taken_once_and_a_decline_is_final(
    qb: Run, plan_file: Path, quotabulk_home: Path
) -> None:
    declined = qb("approve", plan_file, "--as", CHECKER[0], "--decline", stdin=lines(CHECKER[1]))
    assert declined.returncode == 0, declined.stderr
    again = qb("approve", plan_file, "--as", CHECKER[0], stdin=lines(CHECKER[1]))
    assert again.returncode == 1
    assert "was already declined by boris" in again.stderr
    refused = qb("apply", "--plan", plan_file, "--yes", "--require-approval")
    assert refused.returncode == 1
    assert requests_sent(quotabulk_home) == 0
    assert len(audit_events(quotabulk_home, "approved")) == 0
    assert len(audit_events(quotabulk_home, "declined")) == 1
    # Submitted anew, it is a new submission with a decision of its own.
    resubmitted = qb(
        "plan",
        EXAMPLES / "quotas.csv",
        "--out",
        plan_file,
        "--as",
        MAKER[0],
        stdin=lines(MAKER[1]),
    )
    assert resubmitted.returncode == 0, resubmitted.stderr
    approved = qb("approve", plan_file, "--as", CHECKER[0], stdin=lines(CHECKER[1]))
    assert approved.returncode == 0, approved.stderr
    assert qb("apply", "--plan", plan_file, "--yes", "--require-approval").returncode == 0
    assert requests_sent(quotabulk_home) == 2

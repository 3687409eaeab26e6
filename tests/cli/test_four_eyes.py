"""Maker–checker from the command line, as separate processes with passwords on
standard input: the one who prepares a plan is not the one who approves it, and
`apply --plan --require-approval` runs only a plan another person approved as it is."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from quotabulk.domain.digest import plan_digest
from quotabulk.domain.models import Quota
from quotabulk.formats.plans.read import read_plan_file
from tests.cli.conftest import ADMIN, CHECKER, MAKER, Run, lines
from tests.conftest import EXAMPLES
from tests.engine.test_apply import history

pytestmark = pytest.mark.slow  # every test runs quotabulk in processes of its own


def test_an_unapproved_plan_is_refused_and_nothing_is_sent(
    qb: Run, plan_file: Path, quotabulk_home: Path
) -> None:
    refused = qb("apply", "--plan", plan_file, "--yes", "--require-approval")
    assert refused.returncode == 1
    assert "has no approval by a checker other than its maker" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert history(quotabulk_home) == []


def test_a_maker_cannot_approve_their_own_plan(
    qb: Run, plan_file: Path, quotabulk_home: Path
) -> None:
    own = qb("approve", plan_file, "--as", MAKER[0], stdin=lines(MAKER[1]))
    assert own.returncode == 1
    assert "anna is a maker" in own.stderr
    # Even a maker promoted to checker later cannot approve what they submitted.
    conn = sqlite3.connect(quotabulk_home / "journal.db")
    conn.execute("UPDATE users SET role = 'checker' WHERE name = 'anna'")
    conn.commit()
    conn.close()
    promoted = qb("approve", plan_file, "--as", MAKER[0], stdin=lines(MAKER[1]))
    assert promoted.returncode == 1
    assert "anna submitted this plan and cannot approve it" in promoted.stderr
    refused = qb("apply", "--plan", plan_file, "--yes", "--require-approval")
    assert refused.returncode == 1
    assert history(quotabulk_home) == []


def test_a_wrong_password_approves_nothing(qb: Run, plan_file: Path) -> None:
    wrong = qb("approve", plan_file, "--as", CHECKER[0], stdin=lines("guess-guess"))
    assert wrong.returncode == 1
    assert "wrong user name or password for 'boris'" in wrong.stderr
    assert "guess" not in wrong.stderr
    assert qb("apply", "--plan", plan_file, "--yes", "--require-approval").returncode == 1


def test_a_plan_edited_after_approval_is_refused(
    qb: Run, plan_file: Path, quotabulk_home: Path, tmp_path: Path
) -> None:
    approved = qb("approve", plan_file, "--as", CHECKER[0], stdin=lines(CHECKER[1]))
    assert approved.returncode == 0, approved.stderr
    body = json.loads(plan_file.read_text("utf-8"))
    edited = tmp_path / "edited.json"
    target = next(a for a in body["actions"] if a["action"] == "edit")
    target["after"]["limit"] = "99000.00"
    edited.write_text(json.dumps(body), encoding="utf-8")
    tampered = qb("apply", "--plan", edited, "--yes", "--require-approval")
    assert tampered.returncode == 1
    assert "was edited after it was saved" in tampered.stderr  # its digest no longer matches
    # A forger re-seals the edit with the digest of its new content: the file is whole
    # again, but it is another plan, and nobody approved that one.
    saved = read_plan_file(plan_file)
    forged = [
        a._replace(after=Quota(Decimal("99000.00"), a.after.warn_at, a.after.on_exceed))
        if a.msisdn == target["msisdn"] and a.after is not None
        else a
        for a in saved.plan.actions
    ]
    body["digest"] = plan_digest(saved.account, saved.operator_url, forged)
    edited.write_text(json.dumps(body), encoding="utf-8")
    assert read_plan_file(edited).digest == body["digest"]  # a well-formed plan
    resealed = qb("apply", "--plan", edited, "--yes", "--require-approval")
    assert resealed.returncode == 1
    assert "has no approval by a checker other than its maker" in resealed.stderr
    assert history(quotabulk_home) == []
    # The approved original still runs.
    assert qb("apply", "--plan", plan_file, "--yes", "--require-approval").returncode == 0
    assert len(history(quotabulk_home)) == 2


def test_approved_plan_runs_and_the_audit_names_both(
    qb: Run, plan_file: Path, quotabulk_home: Path, tmp_path: Path
) -> None:
    approved = qb(
        "approve",
        plan_file,
        "--as",
        CHECKER[0],
        "--comment",
        "сверено с приказом",
        stdin=lines(CHECKER[1]),
    )
    assert approved.returncode == 0, approved.stderr
    assert "Approved plan" in approved.stdout
    done = qb("apply", "--plan", plan_file, "--yes", "--require-approval", "--format", "json")
    assert done.returncode == 0, done.stderr
    run_id = json.loads(done.stdout)["run_id"]
    requests = {h["request_id"] for h in history(quotabulk_home)}
    assert len(requests) == 2
    audit_json = tmp_path / "audit.json"
    assert qb("audit", run_id, "--out", audit_json).returncode == 0
    trail = json.loads(audit_json.read_text("utf-8"))
    who = [(e["event"], e["user"]) for e in trail["events"]]
    assert who[:2] == [("submitted", "anna"), ("approved", "boris")]
    assert who[2][0] == "run"
    assert trail["events"][0]["detail"]["files"][0]["sha256"]
    assert trail["events"][1]["detail"]["comment"] == "сверено с приказом"
    assert {r["request_id"] for r in trail["requests"] if r["request_id"]} == requests
    audit_xlsx = tmp_path / "audit.xlsx"
    assert qb("audit", run_id, "--out", audit_xlsx, "--lang", "ru").returncode == 0
    book = openpyxl.load_workbook(audit_xlsx)
    events = [[c.value for c in row] for row in book["Журнал"].iter_rows()]
    users = {
        row[2]
        for row in events
        if row[1] in ("план отправлен на подтверждение", "план подтверждён")
    }
    assert users == {"anna", "boris"}
    shown = {row[3].value for row in book["Заявки"].iter_rows(min_row=2)}
    assert requests <= shown


def test_the_trail_is_append_only(qb: Run, plan_file: Path, quotabulk_home: Path) -> None:
    conn = sqlite3.connect(quotabulk_home / "journal.db")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit SET user = 'boris' WHERE event = 'submitted'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit")
    conn.close()


def test_the_four_eyes_policy_covers_apply_and_reconcile_of_files(
    qb: Run, team: None, quotabulk_home: Path, tmp_path: Path
) -> None:
    assert (
        qb("policy", "set", "four-eyes", "on", "--as", MAKER[0], stdin=lines(MAKER[1])).returncode
        == 1
    )
    on = qb("policy", "set", "four-eyes", "on", "--as", ADMIN[0], stdin=lines(ADMIN[1]))
    assert on.returncode == 0, on.stderr
    refused = qb("apply", "--yes", EXAMPLES / "quotas.csv")
    assert refused.returncode == 1
    assert "no approval by a checker" in refused.stderr
    report = tmp_path / "night.json"
    night = qb("reconcile", EXAMPLES / "quotas.csv", "--report", report)
    assert night.returncode == 1
    assert history(quotabulk_home) == []
    assert json.loads(report.read_text("utf-8"))["rows"]  # the night still reports
    # The same files, submitted and approved as a plan, then run by the nightly job.
    out = tmp_path / "p.json"
    qb("plan", EXAMPLES / "quotas.csv", "--out", out, "--as", MAKER[0], stdin=lines(MAKER[1]))
    qb("approve", out, "--as", CHECKER[0], stdin=lines(CHECKER[1]))
    assert qb("reconcile", EXAMPLES / "quotas.csv", "--report", report).returncode == 0
    assert len(history(quotabulk_home)) == 2


def test_users_are_managed_by_an_admin_only(qb: Run, team: None, tmp_path: Path) -> None:
    first_not_admin = qb(
        "users", "add", "x", "--role", "maker", stdin=lines("x-password", "x-password")
    )
    assert first_not_admin.returncode == 1
    assert "only an admin adds users" in first_not_admin.stderr
    by_checker = qb(
        "users",
        "add",
        "eve",
        "--role",
        "checker",
        "--as",
        CHECKER[0],
        stdin=lines(CHECKER[1], "eve-password", "eve-password"),
    )
    assert by_checker.returncode == 1
    disabled = qb("users", "disable", CHECKER[0], "--as", ADMIN[0], stdin=lines(ADMIN[1]))
    assert disabled.returncode == 0, disabled.stderr
    out = tmp_path / "p.json"
    qb("plan", EXAMPLES / "quotas.csv", "--out", out, "--as", MAKER[0], stdin=lines(MAKER[1]))
    gone = qb("approve", out, "--as", CHECKER[0], stdin=lines(CHECKER[1]))
    assert gone.returncode == 1
    assert "wrong user name or password for 'boris'" in gone.stderr
    renamed = qb("users", "passwd", MAKER[0], stdin=lines(MAKER[1], "anna-new-pw", "anna-new-pw"))
    assert renamed.returncode == 0, renamed.stderr
    again = qb(
        "plan", EXAMPLES / "quotas.csv", "--out", out, "--as", MAKER[0], stdin=lines(MAKER[1])
    )
    assert again.returncode == 1  # the old password no longer works

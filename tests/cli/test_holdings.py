"""Holdings: one LibreOffice-saved workbook for three personal accounts — an account
column on one sheet, a sheet of its own (the mapping file's `account:`) for the third —
planned and applied by one `quotabulk` process over real HTTP: each account its own run
and lock, one report with every row; a token without access to one account; kill -9
during the second account; four eyes over the whole plan."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from quotabulk.domain.models import Quota, Subscriber
from quotabulk.sandbox.store import Behaviour, SandboxStore
from tests.cli.conftest import CHECKER, MAKER, add_team, lines
from tests.conftest import built_workbook
from tests.formats.test_office_files import SOFFICE, libreoffice
from tests.live import LiveSandbox, live_sandbox

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SOFFICE is None, reason="`make test` installs libreoffice-calc-nogui"),
]
ACC1, ACC2, ACC3 = "ACC-100001", "ACC-200002", "ACC-300003"
SEEDED = {
    ACC1: {"79161000001": 1000, "79161000002": 2000},
    ACC2: {"79162000001": 1000, "79162000002": None, "79162000003": 500},
    ACC3: {"79163000001": 800, "79163000002": 900},
}
WANTED = {
    ACC1: {"79161000001": 1500, "79161000002": 2000},
    ACC2: {"79162000001": 1100, "79162000002": 700, "79162000003": 600},
    ACC3: {"79163000001": 850, "79163000002": 950},
}
CHANGES = {ACC1: 1, ACC2: 3, ACC3: 2}
MAPPING = "sheets:\n  Склад: {account: " + ACC3 + "}\n"


def _book(book: Any) -> None:
    limits = book.active
    limits.title = "Лимиты"
    limits.append(["Лицевой счёт", "Телефон", "Лимит", "ФИО"])
    for account in (ACC1, ACC2):
        for number, limit in WANTED[account].items():
            limits.append([account, number, limit, f"сотрудник {number[-2:]}"])
    store = book.create_sheet("Склад")
    store.append(["Телефон", "Лимит"])
    for number, limit in WANTED[ACC3].items():
        store.append([number, limit])


def _seed(db: Path) -> None:
    store = SandboxStore(db)
    try:
        for account, numbers in SEEDED.items():
            subscribers = [
                Subscriber(n, None if limit is None else Quota(Decimal(limit)))
                for n, limit in numbers.items()
            ]
            store.reset_account(account, subscribers)
    finally:
        store.close()


@pytest.fixture
def workbook(tmp_path: Path) -> tuple[Path, Path]:
    """The workbook as LibreOffice saved it, and the mapping file naming the third sheet's
    account."""
    made = built_workbook(tmp_path / "холдинг.xlsx", _book)
    saved = libreoffice(tmp_path, made, "xlsx")
    mapping = tmp_path / "columns.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return saved, mapping


def _qb(sandbox: LiveSandbox, home: Path, *args: str | Path, **env: str) -> subprocess.Popen[str]:
    """`quotabulk ARGS` in its own process against `sandbox`, with no configured account."""
    environment = {
        **{k: v for k, v in os.environ.items() if k != "QUOTABULK_ACCOUNT"},
        "QUOTABULK_API_URL": sandbox.url,
        "QUOTABULK_TOKEN": sandbox.token,
        "QUOTABULK_HOME": str(home),
        "QUOTABULK_LANG": "en",
        **env,
    }
    command = [sys.executable, "-m", "quotabulk", *map(str, args)]
    return subprocess.Popen(
        command,
        env=environment,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _done(process: subprocess.Popen[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = process.communicate(stdin, timeout=180)
    return process.returncode, out, err


def _requests(db: Path) -> dict[str, Counter[str]]:
    """Every request the sandbox took, per account and number."""
    store = SandboxStore(db)
    try:
        return {
            account: Counter(
                str(r["msisdn"]) for r in store.history(account, None, None, 0, 1000)[0]
            )
            for account in SEEDED
        }
    finally:
        store.close()


def _held(db: Path, account: str) -> dict[str, int | None]:
    store = SandboxStore(db)
    try:
        items, _ = store.list_subscribers(account, None, 100)
    finally:
        store.close()
    return {
        str(i["msisdn"]): int(Decimal(i["quota"]["limit"])) if i["quota"] else None for i in items
    }


def _runs(home: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(home / "journal.db") as db:
        return [(str(a), str(s)) for a, s in db.execute("SELECT account, status FROM runs")]


def test_one_command_plans_and_applies_three_accounts_each_its_own_run(
    tmp_path: Path, workbook: tuple[Path, Path]
) -> None:
    book, mapping = workbook
    db, home = tmp_path / "sandbox.db", tmp_path / "home"
    _seed(db)
    with live_sandbox(db, Behaviour(processing_ms=100)) as sandbox:
        code, out, err = _done(_qb(sandbox, home, "plan", book, "--columns", mapping))
        assert code == 0, err
        sections = [line for line in out.splitlines() if line.startswith("Account ")]
        assert sections == [f"Account {ACC1}:", f"Account {ACC2}:", f"Account {ACC3}:"]
        assert out.splitlines()[-1] == (
            "Plan: 1 to add, 5 to edit, 0 to delete, 1 unchanged. (3 accounts)"
        )
        assert f"  {ACC2}: 1 to add, 2 to edit, 0 to delete, 0 unchanged." in out
        report = tmp_path / "отчёт.xlsx"
        apply = _qb(
            sandbox,
            home,
            "apply",
            "--yes",
            book,
            "--columns",
            mapping,
            "--report",
            report,
            "--lang",
            "ru",
        )
        code, _, err = _done(apply)
        assert code == 0, err
        # Each account got exactly its own changes, one request each.
        assert _requests(db) == {
            account: Counter(
                n for n, limit in WANTED[account].items() if limit != SEEDED[account][n]
            )
            for account in SEEDED
        }
        for account in SEEDED:
            assert _held(db, account) == WANTED[account]
        # Each account was its own run (its own lock, its own journal rows).
        assert sorted(_runs(home)) == [(a, "finished") for a in (ACC1, ACC2, ACC3)]
        # One report, every row with its account; the summary per account.
        sheets = openpyxl.load_workbook(report)
        results, summary = sheets.worksheets[0], sheets.worksheets[1]
        header = [c.value for c in results[1]]
        rows = [
            dict(zip(header, (c.value for c in row), strict=True))
            for row in results.iter_rows(min_row=2)
        ]
        by_number = {str(r["Номер"]): r for r in rows}
        assert len(rows) == 7
        for account, numbers in WANTED.items():
            for number in numbers:
                assert by_number[number]["Лицевой счёт"] == account
        assert {r["Итог"] for r in rows} == {"Применено", "Без изменений"}
        facts = [(row[0].value, row[1].value) for row in summary.iter_rows()]
        assert [value for label, value in facts if label == "Лицевой счёт"][1:] == [
            ACC1,
            ACC2,
            ACC3,
        ]
        # The same command again: every account planned, nothing sent.
        again = _qb(sandbox, home, "apply", "--yes", book, "--columns", mapping)
        code, _, err = _done(again)
        assert code == 0, err
        assert sum(sum(c.values()) for c in _requests(db).values()) == sum(CHANGES.values())


def test_a_token_without_one_account_leaves_its_rows_failed_and_the_others_applied(
    tmp_path: Path, workbook: tuple[Path, Path]
) -> None:
    book, mapping = workbook
    db, home = tmp_path / "sandbox.db", tmp_path / "home"
    _seed(db)
    report = tmp_path / "night.json"
    with live_sandbox(db, accounts=frozenset({ACC1, ACC3})) as sandbox:
        night = _qb(
            sandbox,
            home,
            "reconcile",
            book,
            "--columns",
            mapping,
            "--report",
            report,
            "--parallel-accounts",
            "2",
        )
        code, _, err = _done(night)
    assert code == 3, err
    assert _held(db, ACC1) == WANTED[ACC1]
    assert _held(db, ACC3) == WANTED[ACC3]
    assert _held(db, ACC2) == SEEDED[ACC2]
    assert not _requests(db)[ACC2]
    body = json.loads(report.read_text("utf-8"))
    failed = [r for r in body["rows"] if r["outcome"] == "failed"]
    assert sorted(r["msisdn"] for r in failed) == sorted(WANTED[ACC2])
    assert all(r["account"] == ACC2 for r in failed)
    assert all(f"no account {ACC2} this token may use" in r["error"] for r in failed)
    accounts = {part["account"]: part for part in body["summary"]["accounts"]}
    assert accounts[ACC2]["run_id"] == "-"
    assert accounts[ACC1]["outcomes"]["applied"] == CHANGES[ACC1]
    assert accounts[ACC3]["outcomes"]["applied"] == CHANGES[ACC3]


def test_a_kill_during_the_second_account_resumes_it_and_never_touches_the_first_again(
    tmp_path: Path, workbook: tuple[Path, Path]
) -> None:
    book, mapping = workbook
    db, home = tmp_path / "sandbox.db", tmp_path / "home"
    _seed(db)
    command = ("apply", "--yes", book, "--columns", mapping, "--concurrency", "1")
    with live_sandbox(db, Behaviour(processing_ms=1500)) as sandbox:
        first = _qb(sandbox, home, *command)
        deadline = time.monotonic() + 120
        while not _requests(db)[ACC2]:  # the second account has begun sending
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)  # its pipes closed too
        before = _requests(db)
        assert sum(before[ACC1].values()) == CHANGES[ACC1]  # the first account was done
        assert not before[ACC3]
        code, _, err = _done(_qb(sandbox, home, *command))
        assert code == 0, err
    after = _requests(db)
    assert after[ACC1] == before[ACC1]  # not touched again
    for account in SEEDED:  # exactly one request per change at the sandbox
        assert sum(after[account].values()) == CHANGES[account]
        assert set(after[account].values()) == {1}
        assert _held(db, account) == WANTED[account]
    assert "Resuming run" in err


def test_sigterm_during_the_second_account_stops_the_command_tidily_and_a_rerun_finishes(
    tmp_path: Path, workbook: tuple[Path, Path]
) -> None:
    """SIGTERM (systemd, `timeout`) while the second account sends: the command stops
    with 130, its report says the third account was not started, and the same command
    again finishes with one request per change."""
    book, mapping = workbook
    db, home = tmp_path / "sandbox.db", tmp_path / "home"
    _seed(db)
    report = tmp_path / "stopped.json"
    command = ("apply", "--yes", book, "--columns", mapping, "--concurrency", "1")
    with live_sandbox(db, Behaviour(processing_ms=1500)) as sandbox:
        first = _qb(sandbox, home, *command, "--report", report)
        deadline = time.monotonic() + 120
        while not _requests(db)[ACC2]:
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        first.send_signal(signal.SIGTERM)
        code, _, err = _done(first)
        assert code == 130, err
        assert not _requests(db)[ACC3]
        body = json.loads(report.read_text("utf-8"))
        third = [row for row in body["rows"] if row["account"] == ACC3]
        assert third
        assert all(
            "не запускался" in row["error"] for row in third if row["outcome"] != "unchanged"
        )
        code, _, err = _done(_qb(sandbox, home, *command))
        assert code == 0, err
    for account in SEEDED:
        assert sum(_requests(db)[account].values()) == CHANGES[account]
        assert set(_requests(db)[account].values()) == {1}
        assert _held(db, account) == WANTED[account]


def test_a_checker_approves_the_whole_plan_once_and_a_decline_stops_every_account(
    tmp_path: Path, workbook: tuple[Path, Path]
) -> None:
    book, mapping = workbook
    db, home = tmp_path / "sandbox.db", tmp_path / "home"
    _seed(db)
    with live_sandbox(db) as sandbox:

        def qb(*args: str | Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
            code, out, err = _done(_qb(sandbox, home, *args, **env), stdin)
            return subprocess.CompletedProcess(args, code, out, err)

        add_team(qb)
        plan = tmp_path / "plan.json"

        def submitted() -> subprocess.CompletedProcess[str]:
            """The maker's plan of the workbook, saved and submitted for a checker."""
            out = ("--out", plan, "--as", MAKER[0])
            return qb("plan", book, "--columns", mapping, *out, stdin=lines(MAKER[1]))

        made = submitted()
        assert made.returncode == 0, made.stderr
        body = json.loads(plan.read_text("utf-8"))
        assert [a["account"] for a in body["accounts"]] == [ACC1, ACC2, ACC3]
        assert {a["account"] for a in body["actions"]} == {ACC1, ACC2, ACC3}
        declined = qb("approve", plan, "--as", CHECKER[0], "--decline", stdin=lines(CHECKER[1]))
        assert declined.returncode == 0, declined.stderr
        refused = qb("apply", "--yes", book, "--columns", mapping, "--require-approval")
        assert refused.returncode == 1
        assert f"plan {body['digest'][:12]} has no approval by a checker" in refused.stderr
        assert not any(_requests(db).values())
        # The whole plan submitted again and approved once: every account runs.
        again = submitted()
        assert again.returncode == 0, again.stderr
        approved = qb("approve", plan, "--as", CHECKER[0], stdin=lines(CHECKER[1]))
        assert approved.returncode == 0, approved.stderr
        assert "6 changes on " + ", ".join((ACC1, ACC2, ACC3)) in approved.stdout
        nothing = qb(
            "apply", "--yes", "--plan", plan, "--require-approval", QUOTABULK_ACCOUNT="ACC-9"
        )
        assert nothing.returncode == 1
        assert "ACC-9" in nothing.stderr
        one = qb("apply", "--yes", "--plan", plan, "--require-approval", QUOTABULK_ACCOUNT=ACC3)
        assert one.returncode == 0, one.stderr
        assert not _requests(db)[ACC1]
        assert sum(_requests(db)[ACC3].values()) == CHANGES[ACC3]
        # The account's run's audit shows who submitted and who approved the whole plan.
        with sqlite3.connect(home / "journal.db") as journal:
            (run_id,) = journal.execute("SELECT run_id FROM runs WHERE account = ?", (ACC3,))
        trail = tmp_path / "audit.json"
        audited = qb("audit", run_id[0], "--out", trail)
        assert audited.returncode == 0, audited.stderr
        events = [(e["event"], e["user"]) for e in json.loads(trail.read_text("utf-8"))["events"]]
        assert ("approved", CHECKER[0]) in events
        assert ("submitted", MAKER[0]) in events
        # The rest of the approved plan: ACC-3's part went stale by running (refused, its
        # rows failed with why), the other two run as approved.
        rest = qb("apply", "--yes", "--plan", plan, "--require-approval")
        assert rest.returncode == 3, rest.stderr
        assert _held(db, ACC1) == WANTED[ACC1]
        assert _held(db, ACC2) == WANTED[ACC2]
        assert sum(_requests(db)[ACC3].values()) == CHANGES[ACC3]
        assert "the saved plan is stale" in rest.stdout


def test_quotabulk_account_restricts_the_command_to_one_account(
    tmp_path: Path, workbook: tuple[Path, Path]
) -> None:
    book, mapping = workbook
    db, home = tmp_path / "sandbox.db", tmp_path / "home"
    _seed(db)
    report = tmp_path / "one.csv"
    with live_sandbox(db) as sandbox:
        one = _qb(
            sandbox,
            home,
            "apply",
            "--yes",
            book,
            "--columns",
            mapping,
            "--report",
            report,
            QUOTABULK_ACCOUNT=ACC2,
        )
        code, _, err = _done(one)
    assert code == 0, err
    assert f"2 rows of account {ACC1} skipped: this run is for {ACC2}" in err
    requests = _requests(db)
    assert not requests[ACC1]
    assert not requests[ACC3]
    assert sum(requests[ACC2].values()) == CHANGES[ACC2]
    text = report.read_text("utf-8-sig")
    assert f"другой лицевой счёт {ACC3}" in text

"""The nightly `reconcile` as the scheduler of periods, over real HTTP, each night a
`quotabulk reconcile` process whose clock Debian's faketime moves to that day: a
business-trip raise from the 1st to the 15th is sent on the 1st, nothing on the nights
between, the revert on the first night after the 15th — also when that night is missed —
and a kill -9 on the 1st is resumed without a second request."""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from quotabulk.domain.models import Quota, Subscriber
from quotabulk.sandbox.store import Behaviour, SandboxStore
from tests.cli.conftest import CHECKER, MAKER, add_team, lines
from tests.live import LiveSandbox, live_sandbox

# Debian's faketime moves the clock of the process it is preloaded into: the command
# itself (the `faketime` wrapper would stand between a kill and the process killed).
# Its multi-threaded build, for quotabulk's lock keeps a heartbeat thread.
LIBFAKETIME = next(iter(sorted(Path("/usr/lib").glob("*/faketime/libfaketimeMT.so.1"))), None)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(LIBFAKETIME is None, reason="`make test` installs Debian's faketime"),
]
ACCOUNT = "ACC-100200"
TRAVELLER, STAYER = "79123456789", "79123456790"
SHEET = (
    "Номер;Лимит;Действует с;Действует по;ФИО\n"
    f"{TRAVELLER};1000;;;Анна\n"
    f"{TRAVELLER};5000;01.12.2026;15.12.2026;Анна, командировка\n"
    f"{STAYER};300;;;Борис\n"
)


def _seed(db: Path) -> None:
    store = SandboxStore(db)
    store.reset_account(
        ACCOUNT,
        [Subscriber(TRAVELLER, Quota(Decimal(1000))), Subscriber(STAYER, Quota(Decimal(300)))],
    )
    store.close()


def _night(
    sandbox: LiveSandbox, home: Path, sheet: Path, day: str, at: str = "12:00:00"
) -> subprocess.Popen[bytes]:
    """`reconcile` as cron starts it, at `at` UTC of `day` (the same day in Moscow)."""
    report = home / f"report-{day}.json"
    return _on(sandbox, home, f"{day} {at}", "reconcile", str(sheet), "--report", str(report))


def _on(sandbox: LiveSandbox, home: Path, moment: str, *args: str) -> subprocess.Popen[bytes]:
    """`quotabulk ARGS` in a process whose clock starts at `moment` (UTC) and runs on."""
    env = {
        **os.environ,
        "LD_PRELOAD": str(LIBFAKETIME),
        "FAKETIME": f"@{moment}",
        "QUOTABULK_API_URL": sandbox.url,
        "QUOTABULK_TOKEN": sandbox.token,
        "QUOTABULK_ACCOUNT": ACCOUNT,
        "QUOTABULK_HOME": str(home),
        "QUOTABULK_TZ": "Europe/Moscow",
        "QUOTABULK_LANG": "en",
    }
    command = [sys.executable, "-m", "quotabulk", *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _requests(db: Path) -> list[dict[str, object]]:
    store = SandboxStore(db)
    try:
        return store.history(ACCOUNT, None, TRAVELLER, 0, 1000)[0]
    finally:
        store.close()


def _held(db: Path) -> object:
    store = SandboxStore(db)
    try:
        items, _ = store.list_subscribers(ACCOUNT, None, 100)
    finally:
        store.close()
    return {item["msisdn"]: item["quota"]["limit"] for item in items if item["quota"]}[TRAVELLER]


def _outcomes(home: Path, day: str) -> dict[str, str]:
    rows = json.loads((home / f"report-{day}.json").read_text("utf-8"))["rows"]
    return {str(row["source"]).rsplit(":", 1)[1]: str(row["outcome"]) for row in rows}


def test_a_business_trip_is_raised_on_its_first_day_and_reverted_after_its_last(
    tmp_path: Path,
) -> None:
    db, home, sheet = tmp_path / "sandbox.db", tmp_path / "home", tmp_path / "квоты.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    _seed(db)
    with live_sandbox(db) as sandbox:
        nights = {}
        for day in ("2026-11-30", "2026-12-01", "2026-12-05", "2026-12-15", "2026-12-17"):
            night = _night(sandbox, home, sheet, day)
            _, err = night.communicate(timeout=120)
            assert night.returncode == 0, err.decode()
            nights[day] = (len(_requests(db)), _held(db), _outcomes(home, day))
            if day == "2026-11-30":
                xlsx = str(home / f"report-{day}.xlsx")
                again = _on(
                    sandbox, home, f"{day} 12:30:00", "reconcile", str(sheet), "--report", xlsx
                )
                _, err = again.communicate(timeout=120)
                assert again.returncode == 0, err.decode()
    assert nights["2026-11-30"][:2] == (0, "1000")  # nothing is sent before its day
    assert nights["2026-11-30"][2]["3"] == "scheduled"
    # The first night's .xlsx lists the days to come on its summary sheet.
    book = openpyxl.load_workbook(home / "report-2026-11-30.xlsx", read_only=True)
    summary = [tuple(r) for r in book[book.sheetnames[-1]].iter_rows(values_only=True)]
    book.close()
    heading = [label for label, *_ in summary].index("scheduled on later days (periods)")
    assert summary[heading + 1][0] == "01.12.2026"
    assert f"{TRAVELLER}: запланировано на 01.12.2026–15.12.2026" in str(summary[heading + 1][1])
    assert nights["2026-12-01"][:2] == (1, "5000")
    assert nights["2026-12-01"][2] == {"2": "scheduled", "3": "applied", "4": "unchanged"}
    assert nights["2026-12-05"][:2] == (1, "5000")
    assert nights["2026-12-15"][:2] == (1, "5000")  # the last day of the trip
    # The 16th was missed: the 17th's state is what counts, one revert, no replay.
    assert nights["2026-12-17"][:2] == (2, "1000")
    assert nights["2026-12-17"][2]["3"] == "skipped"  # the trip has ended


def test_the_revert_is_sent_on_the_night_after_the_last_day(tmp_path: Path) -> None:
    db, home, sheet = tmp_path / "sandbox.db", tmp_path / "home", tmp_path / "квоты.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    _seed(db)
    with live_sandbox(db) as sandbox:
        held = {}
        for day in ("2026-12-01", "2026-12-15", "2026-12-16"):
            night = _night(sandbox, home, sheet, day)
            _, err = night.communicate(timeout=120)
            assert night.returncode == 0, err.decode()
            held[day] = (len(_requests(db)), _held(db))
    assert held == {
        "2026-12-01": (1, "5000"),
        "2026-12-15": (1, "5000"),
        "2026-12-16": (2, "1000"),
    }


def test_a_kill_on_the_first_night_is_resumed_without_a_second_request(tmp_path: Path) -> None:
    db, home, sheet = tmp_path / "sandbox.db", tmp_path / "home", tmp_path / "квоты.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    _seed(db)
    with live_sandbox(db, Behaviour(processing_ms=4000)) as sandbox:
        night = _night(sandbox, home, sheet, "2026-12-01")
        for _ in range(600):  # until the raise has been sent, still in progress
            if _requests(db):
                break
            time.sleep(0.05)
        night.send_signal(signal.SIGKILL)
        night.communicate(timeout=30)  # reaped, its pipe closed
        again = _night(sandbox, home, sheet, "2026-12-01", at="12:30:00")
        _, err = again.communicate(timeout=120)
        assert again.returncode == 0, err.decode()
    assert len(_requests(db)) == 1
    assert _held(db) == "5000"


def test_a_saved_plan_of_periods_runs_while_its_rows_hold_and_on_no_other_day(
    tmp_path: Path,
) -> None:
    """Prepared the day before (`plan --at`), the plan says its day and the days the same
    rows hold; applied a day early or after the trip it is refused with nothing sent, on
    a day of the trip it runs."""
    db, home, sheet = tmp_path / "sandbox.db", tmp_path / "home", tmp_path / "квоты.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    saved = tmp_path / "plan-1-dec.json"
    _seed(db)
    with live_sandbox(db) as sandbox:
        made = _on(
            sandbox,
            home,
            "2026-11-30 12:00:00",
            "plan",
            str(sheet),
            "--at",
            "01.12.2026",
            "--out",
            str(saved),
        )
        out, err = made.communicate(timeout=120)
        assert made.returncode == 0, err.decode()
        assert "Planned for 01.12.2026." in out.decode()
        body = json.loads(saved.read_text("utf-8"))
        assert (body["day"], body["same_since"], body["same_until"]) == (
            "2026-12-01",
            "2026-12-01",
            "2026-12-15",
        )
        early = _on(sandbox, home, "2026-11-30 12:10:00", "apply", "--yes", "--plan", str(saved))
        _, err = early.communicate(timeout=120)
        assert early.returncode == 1, err.decode()
        assert "this plan is for 01.12.2026" in err.decode()
        assert _requests(db) == []
        late = _on(sandbox, home, "2026-12-16 12:00:00", "apply", "--yes", "--plan", str(saved))
        _, err = late.communicate(timeout=120)
        assert late.returncode == 1, err.decode()  # the trip is over: other rows hold
        assert _requests(db) == []
        # Any day of the trip is the same plan: the same rows hold.
        on_trip = _on(sandbox, home, "2026-12-03 12:00:00", "apply", "--yes", "--plan", str(saved))
        _, err = on_trip.communicate(timeout=120)
        assert on_trip.returncode == 0, err.decode()
    assert len(_requests(db)) == 1
    assert _held(db) == "5000"


def _at(
    home: Path, moment: str, *args: str | Path, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """`quotabulk ARGS` against the home's embedded sandbox, its clock at `moment` (UTC)."""
    env = {
        **os.environ,
        "LD_PRELOAD": str(LIBFAKETIME),
        "FAKETIME": f"@{moment}",
        "QUOTABULK_HOME": str(home),
        "QUOTABULK_TZ": "Europe/Moscow",
        "QUOTABULK_LANG": "en",
        "QUOTABULK_SANDBOX_PROCESSING_MS": "30",
    }
    for name in ("QUOTABULK_API_URL", "QUOTABULK_TOKEN", "QUOTABULK_ACCOUNT"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "quotabulk", *map(str, args)],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _embedded_home(tmp_path: Path, moment: str) -> tuple[Path, Path]:
    """A home whose embedded sandbox holds the account (seeded at `moment`), and the sheet."""
    home, sheet = tmp_path / "home", tmp_path / "квоты.csv"
    home.mkdir(mode=0o700)
    sheet.write_text(SHEET, encoding="utf-8")
    current = tmp_path / "current.yaml"
    current.write_text(
        f"version: 1\naccount: {ACCOUNT}\nquotas:\n"
        f"  - {{msisdn: '{TRAVELLER}', limit: 1000}}\n  - {{msisdn: '{STAYER}', limit: 300}}\n",
        encoding="utf-8",
    )
    assert _at(home, moment, "sandbox", "seed", "--from", current).returncode == 0
    return home, sheet


def _team_home(tmp_path: Path, moment: str) -> tuple[Path, Path]:
    """An embedded home with an admin, a maker and a checker."""
    home, sheet = _embedded_home(tmp_path, moment)
    add_team(functools.partial(_at, home, moment))
    return home, sheet


def _submitted(home: Path, sheet: Path, out: Path, moment: str) -> Path:
    """The maker's plan of the sheet for `moment`'s day, submitted for a checker."""
    made = _at(home, moment, "plan", sheet, "--out", out, "--as", MAKER[0], stdin=lines(MAKER[1]))
    assert made.returncode == 0, made.stderr
    return out


def test_an_approved_schedule_sends_each_day_and_a_changed_file_needs_a_new_approval(
    tmp_path: Path,
) -> None:
    """Four eyes with periods: the checker approves one day's plan of the files, which is
    an approval of their schedule — each later night sends its day's change without
    another approval while the files are those approved; a changed file is refused."""
    day0 = "2026-11-30 12:00:00"
    home, sheet = _team_home(tmp_path, day0)
    saved = _submitted(home, sheet, tmp_path / "plan.json", day0)
    approved = _at(home, day0, "approve", saved, "--as", CHECKER[0], stdin=lines(CHECKER[1]))
    assert approved.returncode == 0, approved.stderr
    assert "this approves their schedule too" in approved.stdout
    db = home / "sandbox.db"
    first = _at(home, "2026-12-01 12:00:00", "reconcile", sheet, "--require-approval")
    assert first.returncode == 0, first.stderr
    assert (len(_requests(db)), _held(db)) == (1, "5000")
    back = _at(home, "2026-12-16 12:00:00", "reconcile", sheet, "--require-approval")
    assert back.returncode == 0, back.stderr
    assert (len(_requests(db)), _held(db)) == (2, "1000")
    sheet.write_text(SHEET.replace("5000;01.12.2026;15.12.2026", "6000;01.01.2027;15.01.2027"))
    changed = _at(home, "2027-01-01 12:00:00", "reconcile", sheet, "--require-approval")
    assert changed.returncode == 1, changed.stderr
    assert "has no approval by a checker other than its maker" in changed.stderr
    assert len(_requests(db)) == 2


def test_the_round_trip_during_a_period_plans_nothing(tmp_path: Path) -> None:
    """On a day of the trip: applied, exported (the operator's state today — it knows no
    future), and both the export and the sheet of periods plan nothing more."""
    day = "2026-12-05 12:00:00"
    home, sheet = _embedded_home(tmp_path, day)
    applied = _at(home, day, "apply", "--yes", sheet)
    assert applied.returncode == 0, applied.stderr
    exported = tmp_path / "сейчас.xlsx"
    assert _at(home, day, "export", "--out", exported).returncode == 0
    again = _at(home, "2026-12-05 12:10:00", "plan", exported, "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 to add, 0 to edit, 0 to delete, 2 unchanged" in again.stdout
    sheet_again = _at(home, "2026-12-05 12:10:00", "plan", sheet, "--detailed-exitcode")
    assert sheet_again.returncode == 0, sheet_again.stdout
    assert "⏲ 79123456789" in sheet_again.stdout  # the revert on the 16th, still to come


def test_a_declined_day_of_an_approved_schedule_stops_the_later_nights(tmp_path: Path) -> None:
    """The schedule's latest decision counts: the checker approved it on 30.11, then
    declined the plan of 05.12 of the same files — the revert of the 16th is not sent."""
    day0 = "2026-11-30 12:00:00"
    home, sheet = _team_home(tmp_path, day0)
    first = _submitted(home, sheet, tmp_path / "plan-30.json", day0)
    assert (
        _at(home, day0, "approve", first, "--as", CHECKER[0], stdin=lines(CHECKER[1])).returncode
        == 0
    )
    db = home / "sandbox.db"
    raised = _at(home, "2026-12-01 12:00:00", "reconcile", sheet, "--require-approval")
    assert raised.returncode == 0, raised.stderr
    later = _submitted(home, sheet, tmp_path / "plan-05.json", "2026-12-05 12:00:00")
    declined = _at(
        home,
        "2026-12-05 12:05:00",
        "approve",
        later,
        "--decline",
        "--as",
        CHECKER[0],
        stdin=lines(CHECKER[1]),
    )
    assert declined.returncode == 0, declined.stderr
    night = _at(home, "2026-12-16 12:00:00", "reconcile", sheet, "--require-approval")
    assert night.returncode == 1, night.stderr
    assert "has no approval by a checker other than its maker" in night.stderr
    assert (len(_requests(db)), _held(db)) == (1, "5000")

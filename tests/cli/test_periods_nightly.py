"""The nightly `reconcile` as the scheduler of periods, over real HTTP, each night a
`quotabulk reconcile` process whose clock Debian's faketime moves to that day: a
business-trip raise from the 1st to the 15th is sent on the 1st, nothing on the nights
between, the revert on the first night after the 15th — also when that night is missed —
and a kill -9 on the 1st is resumed without a second request."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from quotabulk.domain.models import Quota, Subscriber
from quotabulk.sandbox.store import Behaviour, SandboxStore
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
    env = {
        **os.environ,
        "LD_PRELOAD": str(LIBFAKETIME),
        "FAKETIME": f"@{day} {at}",  # from then on, the clock runs
        "QUOTABULK_API_URL": sandbox.url,
        "QUOTABULK_TOKEN": sandbox.token,
        "QUOTABULK_ACCOUNT": ACCOUNT,
        "QUOTABULK_HOME": str(home),
        "QUOTABULK_TZ": "Europe/Moscow",
        "QUOTABULK_LANG": "en",
    }
    report = home / f"report-{day}.json"
    command = [sys.executable, "-m", "quotabulk", "reconcile", str(sheet), "--report", str(report)]
    return subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


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
    assert nights["2026-11-30"][:2] == (0, "1000")  # nothing is sent before its day
    assert nights["2026-11-30"][2]["3"] == "scheduled"
    assert nights["2026-12-01"][:2] == (1, "5000")
    assert nights["2026-12-01"][2] == {"2": "scheduled", "3": "applied", "4": "unchanged"}
    assert nights["2026-12-05"][:2] == (1, "5000")
    assert nights["2026-12-15"][:2] == (1, "5000")  # the last day of the trip
    # The 16th was missed: the 17th's state is what counts, one revert, no replay.
    assert nights["2026-12-17"][:2] == (2, "1000")
    assert nights["2026-12-17"][2]["3"] == "skipped"  # the trip has ended


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

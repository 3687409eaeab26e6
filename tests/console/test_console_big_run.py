"""A run of 50 000 rows in a real `serve`: its page stays small, its report is written
off the event loop, and twenty people's pages keep answering while it downloads."""

from __future__ import annotations

import json
import statistics
import threading
import time
from decimal import Decimal
from pathlib import Path

import httpx
import openpyxl
import pytest

from quotabulk.config import load_settings
from quotabulk.console import uploads
from quotabulk.domain.models import ActionKind, Quota
from quotabulk.domain.outcomes import Outcome, RunStatus
from quotabulk.domain.plan import Plan, PlannedAction
from quotabulk.formats.plans.write import plan_json
from quotabulk.store.journal import Journal, NewAction
from tests.console.served import browser, close_browsers, serving  # noqa: F401 - fixture

pytestmark = pytest.mark.slow
ROWS = 50_000
MB = 1_000_000


def big_finished_run(home: Path) -> str:
    """A finished run of `ROWS` rejected adds, as an approved upload the console knows."""
    settings = load_settings()
    actions = tuple(
        PlannedAction(
            f"79{n:09d}", ActionKind.ADD, None, Quota(Decimal(150000)), f"big.csv:{n + 2}"
        )
        for n in range(ROWS)
    )
    body = plan_json(Plan(actions), "ACC-100200", settings.operator_url, [])
    journal = Journal(home / "journal.db")
    try:
        note = "Лимит 150000 ₽ выше потолка счёта 100 000 ₽"
        rows = [NewAction.settled(a, Outcome.REJECTED, note) for a in actions]
        run_id = journal.create_run(
            "ACC-100200",
            "big",
            "apply",
            settings.operator_url,
            ("big.csv",),
            rows,
            plan_digest=body["digest"],
        )
        journal.set_run_status(run_id, RunStatus.FINISHED, finished=True)
    finally:
        journal.close()
    folder = uploads.private_folder(home / "console" / "big")
    uploads.write_private(folder / "meta.json", b'{"skip_invalid": false}')
    uploads.write_private(folder / "frozen-plan.json", json.dumps(body).encode())
    uploads.write_private(uploads.private_folder(folder / "0") / "big.csv", b"")
    return run_id


def test_a_big_run_pages_and_downloads_without_stalling_others(
    quotabulk_home: Path, tmp_path: Path
) -> None:
    run_id = big_finished_run(quotabulk_home)
    with serving(quotabulk_home) as (base, _):
        client = browser(base)
        page = client.get("/jobs/big")
        assert page.status_code == 200
        assert len(page.content) < MB
        assert page.text.count('">big.csv:') == 200
        assert 'id="next-page"' in page.text
        last = client.get(f"/jobs/big?page_no={ROWS // 200}")
        assert last.text.count('">big.csv:') == 200
        assert 'id="next-page"' not in last.text
        assert client.get("/runs").status_code == 200

        latencies: list[float] = []
        stop = threading.Event()

        def user() -> None:
            with httpx.Client(base_url=base, timeout=60) as own:
                while not stop.is_set():
                    began = time.monotonic()
                    assert own.get("/").status_code == 200
                    latencies.append(time.monotonic() - began)

        people = [threading.Thread(target=user) for _ in range(20)]
        for person in people:
            person.start()
        try:
            began = time.monotonic()
            download = client.get(f"/runs/{run_id}/report.xlsx", timeout=300)
            took = time.monotonic() - began
        finally:
            stop.set()
            for person in people:
                person.join(timeout=120)
        assert download.status_code == 200
        report = tmp_path / "report.xlsx"
        report.write_bytes(download.content)
        sheet = openpyxl.load_workbook(report, read_only=True).worksheets[0]
        assert sheet.max_row == ROWS + 1
        latencies.sort()
        p50 = statistics.median(latencies)
        p95 = latencies[int(len(latencies) * 0.95)]
        print(
            f"50 000-row report: {took:.1f} s; 20 users' pages meanwhile: "
            f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms ({len(latencies)} pages)"
        )
        again = time.monotonic()
        assert client.get(f"/runs/{run_id}/report.xlsx").status_code == 200
        print(f"the same report again, as a file: {(time.monotonic() - again) * 1000:.0f} ms")

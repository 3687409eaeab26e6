"""Maker–checker in a real Chromium: a maker uploads and submits; the same maker cannot
approve; a checker, in a browser of their own, approves; the run completes; the audit
download names both people and every request number."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from quotabulk.app import people
from tests.conftest import EXAMPLES
from tests.console.conftest import CHECKER, MAKER
from tests.console.test_console_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.engine.test_apply import history

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="`make test` installs Debian's chromium"),
]


def sign_in(page: Any, url: str, who: people.Credentials) -> None:
    page.goto(url)
    page.fill("#name", who.name)
    page.fill("#password", who.password)
    page.click("button[type=submit]")
    page.wait_for_selector("#who")


def test_maker_submits_checker_approves_and_the_audit_names_both(
    four_eyes_url: str, tmp_path: Path, quotabulk_home: Path
) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        maker = browser.new_context(accept_downloads=True).new_page()
        sign_in(maker, four_eyes_url, MAKER)
        maker.set_input_files("#files", [str(EXAMPLES / "quotas.csv")])
        maker.click("#check")
        maker.wait_for_selector("#summary")
        review_url = maker.url
        maker.check("#reviewed")
        maker.click("#approve")  # for a maker, the button submits for approval
        maker.wait_for_selector("#submission.pending")
        assert "anna" in maker.inner_text("#submission")
        assert maker.locator("#decide").count() == 0  # no approve form for the maker
        maker.screenshot(path=str(ARTIFACTS / "four-eyes-1-submitted.png"), full_page=True)
        # The maker forging the checker's form is refused, and nothing is sent.
        csrf = maker.locator("input[name=csrf]").first.get_attribute("value")
        digest = maker.inner_text("#digest")
        forged = maker.request.post(
            review_url + "/decide",
            form={"csrf": csrf or "", "fingerprint": digest, "decision": "approve"},
            headers={"Origin": four_eyes_url},
        )
        assert forged.status == 403
        assert history(quotabulk_home) == []

        checker = browser.new_context(accept_downloads=True).new_page()
        sign_in(checker, four_eyes_url, CHECKER)
        checker.click("#approvals-link")
        checker.wait_for_selector("#pending")
        assert "anna" in checker.inner_text("#pending")
        checker.screenshot(path=str(ARTIFACTS / "four-eyes-2-pending.png"), full_page=True)
        checker.click("#pending a.open-plan")
        checker.wait_for_selector("#decide")
        assert checker.inner_text("#digest") == digest
        checker.fill("#comment", "сверено с приказом")
        checker.check("#reviewed")
        checker.click("#approve")
        checker.wait_for_selector("#outcomes", timeout=30_000)
        checker.screenshot(path=str(ARTIFACTS / "four-eyes-3-done.png"), full_page=True)
        with checker.expect_download() as download:
            checker.click("#download-audit")
        audit = tmp_path / "audit.xlsx"
        download.value.save_as(audit)

        maker.goto(review_url)
        maker.wait_for_selector("#submission.approved")
        assert "boris" in maker.inner_text("#submission")  # the maker is told
        browser.close()
    requests = {h["request_id"] for h in history(quotabulk_home)}
    assert len(requests) == 2
    book = openpyxl.load_workbook(audit)
    events = [[c.value for c in row] for row in book["Журнал"].iter_rows()]
    by_event = {row[1]: row[2] for row in events if row[1]}
    assert by_event["план отправлен на подтверждение"] == "anna"
    assert by_event["план подтверждён"] == "boris"
    assert any(row[3] and "сверено с приказом" in row[3] for row in events)
    shown = {row[3].value for row in book["Заявки"].iter_rows(min_row=2)}
    assert requests <= shown

"""The console in a real Chromium (Debian's, driven by Playwright): upload an example
sheet, review, approve, wait for the result, download the report and read it back.
Screenshots of every page land in tests/artifacts/ for a person to look at."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import EXAMPLES, CliResult
from tests.console.test_console import make_console
from tests.live import served_in_thread

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="`make test` installs Debian's chromium"),
]


@pytest.fixture
def console_url(
    quotabulk_home: Path, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    app = make_console(quotabulk_home, cli, monkeypatch, rate_limit=50)
    with served_in_thread(app) as address:
        yield f"http://{address}"


def test_finance_flow_in_a_real_browser(console_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(accept_downloads=True)
        page.goto(console_url)
        assert page.locator("#sandbox-banner").is_visible()
        page.screenshot(path=str(ARTIFACTS / "1-upload.png"), full_page=True)
        page.set_input_files(
            "#files", [str(EXAMPLES / "finance_workbook.xlsx"), str(EXAMPLES / "quotas.csv")]
        )
        page.click("#check")
        page.wait_for_selector("#summary")
        assert page.inner_text("#summary") == (
            "План: добавить 2, изменить 2, удалить 1, без изменений 5."
        )
        assert page.locator("#approve").is_disabled()  # not before the plan was reviewed
        page.select_option("#filter", "add")
        assert page.locator("#changes tr[data-action]:visible").count() == 2
        page.select_option("#filter", "")
        page.screenshot(path=str(ARTIFACTS / "2-review.png"), full_page=True)
        page.check("#reviewed")
        page.click("#approve")
        page.wait_for_selector("#outcomes", timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "3-result.png"), full_page=True)
        with page.expect_download() as download:
            page.click("#download-xlsx")
        report = tmp_path / "report.xlsx"
        download.value.save_as(report)
        page.goto(console_url + "/runs")
        page.screenshot(path=str(ARTIFACTS / "4-runs.png"), full_page=True)
        browser.close()
    sheet = openpyxl.load_workbook(report)["Результаты"]  # the page's language
    rows = {row[0].value.split(":", 1)[1]: row[7].value for row in sheet.iter_rows(min_row=2)}
    assert rows["Отдел продаж:6"] == "Применено"
    assert rows["Отдел продаж:8"] == "Применено"  # the deletion
    assert rows["Бухгалтерия:5"] == "Применено"
    assert rows["4"] == "Применено"  # quotas.csv:4, an edit
    assert rows["5"] == "Применено"  # quotas.csv:5, an add
    assert list(rows.values()).count("Без изменений") == 5

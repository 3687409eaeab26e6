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
from tests.engine.test_apply import history
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
        page = browser.new_page(accept_downloads=True, viewport={"width": 1280, "height": 800})
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


def test_a_phone_sized_window_in_english_with_an_erroneous_file(
    console_url: str, text_file: Callable[..., Path]
) -> None:
    """400 px wide, English, a file with errors: every problem located, the page as wide
    as the window (the tables scroll inside it), nothing approvable while rows are bad."""
    from playwright.sync_api import sync_playwright

    sheet = text_file(
        "with-errors.csv",
        "ФИО;Номер;Лимит\nАнна Сергеевна Петрова;79161000005;700\nБорис;12345;800\n"
        "Вера;79161000004;много\n",
    )
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 400, "height": 800})
        page.goto(console_url + "/lang?to=en")
        assert page.inner_text("h1") == "Upload"
        page.set_input_files("#files", [str(sheet)])
        page.click("#check")
        page.wait_for_selector("#problems")
        problems = page.inner_text("#problems")
        assert "with-errors.csv:3" in problems
        assert "with-errors.csv:4" in problems
        assert page.locator("#blocked").is_visible()
        assert page.locator("#approve").count() == 0
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 400  # no sideways scrolling of the whole page on a phone
        page.screenshot(path=str(ARTIFACTS / "5-phone-errors-en.png"), full_page=True)
        browser.close()


def test_two_tabs_approving_at_once_make_one_run(console_url: str, quotabulk_home: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context()
        first = context.new_page()
        first.goto(console_url)
        first.set_input_files("#files", [str(EXAMPLES / "quotas.csv")])
        first.click("#check")
        first.wait_for_selector("#summary")
        second = context.new_page()
        second.goto(first.url)
        second.wait_for_selector("#summary")
        for tab in (first, second):
            tab.check("#reviewed")
        # Both buttons pressed within the same moment, as a double click across tabs.
        first.evaluate("document.getElementById('approve').form.requestSubmit()")
        second.evaluate("document.getElementById('approve').form.requestSubmit()")
        for tab in (first, second):
            tab.wait_for_selector("#outcomes", timeout=30_000)
        assert first.url == second.url  # the same job
        browser.close()
    assert len(history(quotabulk_home)) == 2  # the plan's two changes, once each


def test_a_foreign_host_name_gets_nothing_in_a_browser(console_url: str) -> None:
    """DNS rebinding as the browser lives it: another name resolving to our address."""
    from playwright.sync_api import sync_playwright

    port = console_url.rsplit(":", 1)[1]
    rules = "--host-resolver-rules=MAP evil.example 127.0.0.1"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, rules]
        )
        page = browser.new_page()
        answer = page.goto(f"http://evil.example:{port}/")
        assert answer is not None
        assert answer.status == 400
        assert page.locator("input[name=csrf]").count() == 0
        browser.close()

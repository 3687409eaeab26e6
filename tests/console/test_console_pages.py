"""Every console page, in Russian, in a real Chromium at 1280 px and at 390 px (a phone):
screenshots kept under tests/artifacts/pages/ to look at, no page scrolls sideways on a
phone, and no page shows a word of English or a raw error body."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.console.conftest import CHECKER, MAKER
from tests.console.test_console_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.console.test_four_eyes_browser import sign_in

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="`make test` installs Debian's chromium"),
]
PAGES = ARTIFACTS / "pages"
WIDTHS = {"desktop": 1280, "phone": 390}
# Latin words a Russian page may show: names of formats, files and our own name.
ALLOWED = {"quotabulk", "xlsx", "csv", "yaml", "json", "SHA", "ACC", "XXXXXXXXXX"}
ALLOWED |= {"RU", "EN", "GMT", MAKER.name, CHECKER.name}  # language switch, zone, people


def english_words(text: str) -> list[str]:
    text = re.sub(r"\S+\.(csv|xlsx|yaml)\b\S*", " ", text)  # the user's own file names
    text = re.sub(r"\b[0-9a-f]{12,}\b", " ", text)  # digests
    text = re.sub(r"\b\d{8}-\d{6}-[0-9a-f]+\b", " ", text)  # run ids
    text = re.sub(r"'[^']*'", " ", text)  # the user's own cells, quoted
    words = re.findall(r"[A-Za-z]{3,}", text)
    return [word for word in words if word not in ALLOWED]


def look(page: Any, name: str) -> None:
    """The page at each width: a screenshot, no sideways scroll on a phone, Russian only."""
    for device, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(50)  # a layout pass after the resize
        page.screenshot(path=str(PAGES / f"{name}-{device}.png"), full_page=True)
        if device == "phone":
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{name} scrolls sideways on a phone: {scroll} px"
    text = page.inner_text("body")
    assert english_words(text) == [], (name, text)
    assert '{"detail"' not in text


def test_every_page_in_russian_at_desktop_and_phone_widths(
    four_eyes_url: str, text_file: Callable[..., Path]
) -> None:
    from playwright.sync_api import sync_playwright

    PAGES.mkdir(parents=True, exist_ok=True)
    mixed = text_file(
        "sales.csv",
        "Номер;Лимит, руб.;ФИО\n"
        "79123456789;1500;Анна Петрова\n"
        "79161000005;abc;Борис\n"
        "79161000002;1200;Вера\n",
    )
    threshold = text_file("threshold.csv", "Номер;Лимит;Порог срабатывания\n79123456789;700;500\n")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        maker = browser.new_context().new_page()
        maker.goto(four_eyes_url)
        look(maker, "01-login")
        sign_in(maker, four_eyes_url, MAKER)
        look(maker, "02-upload")
        maker.click("#check")  # no file chosen: words, never a raw error body
        look(maker, "03-no-file")
        maker.goto(four_eyes_url)
        maker.set_input_files("#files", [str(threshold)])
        maker.click("#check")
        maker.wait_for_selector("#mapping")
        look(maker, "04-mapping")
        maker.goto(four_eyes_url)
        maker.set_input_files("#files", [str(mixed)])
        maker.check("input[name=skip_invalid]")
        maker.click("#check")
        maker.wait_for_selector("#summary")
        look(maker, "05-review")
        maker.check("#reviewed")
        maker.click("#approve")
        maker.wait_for_selector("#submission.pending")
        look(maker, "06-submitted")
        checker = browser.new_context().new_page()
        sign_in(checker, four_eyes_url, CHECKER)
        checker.click("#approvals-link")
        checker.wait_for_selector("#pending")
        look(checker, "07-approvals")
        checker.click("#pending a.open-plan")
        checker.wait_for_selector("#decide")
        look(checker, "08-checker-review")
        checker.check("#reviewed")
        checker.click("#approve")
        checker.wait_for_selector("#outcomes", timeout=30_000)
        look(checker, "09-job")
        checker.goto(four_eyes_url + "/runs")
        look(checker, "10-runs")
        checker.goto(four_eyes_url + "/u/nothing-here")
        look(checker, "11-not-found")
        browser.close()

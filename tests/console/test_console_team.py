"""The console as a team uses it: sessions that end, guessing that is slowed, pages
without inline code, big files with many errors, an operator that does not answer, and
a page that says what approving will do."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from pydantic import SecretStr

from quotabulk.config import EMBEDDED_TOKEN, Settings
from quotabulk.console.app import ConsoleConfig, create_console
from quotabulk.console.auth import hash_password
from quotabulk.console.i18n import requests_phrase
from quotabulk.console.sessions import client_address
from quotabulk.domain.running import ExecuteOptions
from tests.asgi import AsgiClient
from tests.conftest import EXAMPLES, CliResult
from tests.console.test_console import csrf_of, planned, upload

PASSWORD = "correct horse"


def password_console(home: Path, trusted_proxies: tuple[str, ...] = ()) -> AsgiClient:
    settings = Settings(None, SecretStr(EMBEDDED_TOKEN), None, home)
    config = ConsoleConfig(
        settings,
        ExecuteOptions(),
        password_hash=hash_password(PASSWORD),
        trusted_proxies=trusted_proxies,
    )
    return AsgiClient(create_console(config), "http://127.0.0.1:8080")


def sign_in(client: AsgiClient, password: str = PASSWORD, **headers: str) -> int:
    token = csrf_of(client, "/login")
    answer = client.post("/login", data={"csrf": token, "password": password}, headers=headers)
    return answer.status_code


def test_a_cookie_saved_before_logout_is_worth_nothing_after(quotabulk_home: Path) -> None:
    with password_console(quotabulk_home) as client:
        anonymous_csrf = csrf_of(client, "/login")
        assert sign_in(client) == 303
        saved = dict(client._http.cookies)  # what an attacker copied while signed in
        assert csrf_of(client) != anonymous_csrf  # a new CSRF token at login
        assert client.get("/").status_code == 200
        assert client.post("/logout", data={"csrf": csrf_of(client)}).status_code == 303
        client._http.cookies.clear()
        client._http.cookies.update(saved)
        replay = client.get("/")
        assert replay.status_code == 303  # the server forgot the session
        # The sign-in page says the session ended, rather than appearing without a word.
        assert replay.headers["location"] == "/login?ended=1"


def test_guessing_the_password_is_slowed_per_name_and_address(quotabulk_home: Path) -> None:
    with password_console(quotabulk_home) as client:
        for _ in range(5):
            assert sign_in(client, "guess") == 401
        # The sixth try waits, even with the right password.
        token = csrf_of(client, "/login")
        answer = client.post("/login", data={"csrf": token, "password": PASSWORD})
        assert answer.status_code == 429
        assert "Слишком много неудачных попыток" in answer.text


def test_behind_a_proxy_the_forwarded_address_counts_only_from_that_proxy() -> None:
    proxy = ("127.0.0.1",)
    # nginx on 127.0.0.1 forwards for the real client …
    assert client_address("127.0.0.1", "203.0.113.7", proxy) == "203.0.113.7"
    assert client_address("127.0.0.1", "198.51.100.1, 203.0.113.7", proxy) == "203.0.113.7"
    # … but anybody else may write the header: it is ignored.
    assert client_address("203.0.113.9", "127.0.0.1", proxy) == "203.0.113.9"
    assert client_address("127.0.0.1", "10.0.0.5", ()) == "127.0.0.1"


def test_two_people_behind_one_proxy_are_throttled_apart(quotabulk_home: Path) -> None:
    with password_console(quotabulk_home, trusted_proxies=("127.0.0.1",)) as client:
        for _ in range(5):
            assert sign_in(client, "guess", **{"X-Forwarded-For": "203.0.113.7"}) == 401
        assert sign_in(client, "guess", **{"X-Forwarded-For": "203.0.113.7"}) == 429
        # Someone else behind the same nginx is not locked out by the guesser.
        assert sign_in(client, PASSWORD, **{"X-Forwarded-For": "198.51.100.1"}) == 303


def test_pages_carry_no_inline_script_and_a_strict_policy(
    console: AsgiClient, quotabulk_home: Path
) -> None:
    review = planned(console, upload(console, EXAMPLES / "quotas.csv"))
    policy = console.get("/").headers["content-security-policy"]
    assert "unsafe-inline" not in policy
    assert "script-src 'self'" in policy
    for html in (review, console.get("/").text, console.get("/runs").text):
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # every script is a file
        assert "<style" not in html
        assert 'name="viewport"' in html
    assert console.get("/static/console.js").status_code == 200


def test_a_file_with_thousands_of_errors_shows_a_hundred_and_offers_all(
    console: AsgiClient, text_file: Callable[..., Path], tmp_path: Path
) -> None:
    rows = "".join(f"7916{n:07d};abc\n" for n in range(3000))
    sheet = text_file("bad.csv", "Номер;Лимит\n" + rows)
    path = upload(console, sheet, skip_invalid=True)
    review = planned(console, path)
    assert review.count('<tr><td data-label="Где">bad.csv:') == 100
    assert "Показаны первые 100 из 3000 ошибок." in review
    # Every row invalid: nothing to send, and the page says why (not «Всё уже как в файлах»).
    assert "Ни одной строки без ошибок" in review
    assert "Всё уже как в файлах" not in review
    assert 'id="approve"' not in review
    download = console.get(f"{path}/errors.xlsx")
    assert download.status_code == 200
    target = tmp_path / "errors.xlsx"
    target.write_bytes(download.content)
    sheet_rows = list(openpyxl.load_workbook(target).active.iter_rows(values_only=True))
    assert len(sheet_rows) == 3001
    assert sheet_rows[0] == ("Где", "Столбец", "Что не так")  # the server's language
    assert sheet_rows[1] == ("bad.csv:2", "Лимит", "'abc' — не сумма в рублях")


def test_the_review_names_people_sums_money_and_the_button_says_what_happens(
    console: AsgiClient,
) -> None:
    review = planned(console, upload(console, EXAMPLES / "finance_workbook.xlsx"))
    assert "<th>ФИО</th>" in review  # the sheet's own columns, names first
    assert re.search(r"<td data-label=\"[^\"]+\">[А-Я][а-я]+ [А-Я]", review)  # a name in a row
    assert 'id="totals"' in review
    assert "Сумма лимитов" in review
    button = re.search(r'<button type="submit" id="approve" disabled>([^<]+)</button>', review)
    assert button
    assert re.fullmatch(
        r"Отправить \d+ заяв(ку|ки|ок) по счёту ACC-100200 \(песочница\)", button[1]
    )


@pytest.mark.parametrize(
    ("n", "ru", "en"),
    [
        (1, "1 заявку", "1 request"),
        (2, "2 заявки", "2 requests"),
        (5, "5 заявок", "5 requests"),
        (11, "11 заявок", "11 requests"),
        (12, "12 заявок", "12 requests"),
        (21, "21 заявку", "21 requests"),
        (22, "22 заявки", "22 requests"),
        (111, "111 заявок", "111 requests"),
    ],
)
def test_request_counts_have_russian_plural_forms(n: int, ru: str, en: str) -> None:
    assert requests_phrase(n, "ru") == ru
    assert requests_phrase(n, "en") == en


@pytest.mark.slow
def test_an_operator_that_does_not_answer_is_said_within_seconds(
    quotabulk_home: Path, cli: Callable[..., CliResult]
) -> None:
    # Nothing listens on this port: every attempt is refused and retried.
    settings = Settings(
        "http://127.0.0.1:9",
        SecretStr("token-x"),
        "ACC-100200",
        quotabulk_home,
        operator_timeout_s=4.0,
    )
    app = create_console(ConsoleConfig(settings, ExecuteOptions()))
    with AsgiClient(app, "http://127.0.0.1") as client:
        token = csrf_of(client)
        answer = client.post(
            "/upload",
            files=[("files", ("q.csv", (EXAMPLES / "quotas.csv").read_bytes()))],
            data={"csrf": token},
        )
        path = answer.headers["location"]
        started = time.monotonic()
        said = False
        while time.monotonic() - started < 30:
            state = client.get(f"{path}/state").json()
            said = said or state.get("operator_waiting", False)
            if state["done"]:
                break
            time.sleep(0.1)
        assert said  # «оператор не отвечает, повторяем…» was shown while it retried
        page = client.get(path)
        assert page.status_code == 400  # then a clean failure, named, at the timeout
        assert "127.0.0.1:9" in page.text


@pytest.mark.parametrize(("choice", "expected_after"), [("map", "порог 500,00"), ("ignore", None)])
def test_a_threshold_like_column_is_mapped_or_ignored_in_the_page(
    console: AsgiClient, text_file: Callable[..., Path], choice: str, expected_after: str | None
) -> None:
    """What the CLI offers with --columns and `ignore:`, the console offers as two buttons."""
    sheet = text_file("порог.csv", "Номер;Лимит;Порог срабатывания\n79161000005;700;500\n")
    path = upload(console, sheet)
    question = planned(console, path)
    assert "столбец «Порог срабатывания» похож на порог уведомления" in question
    assert 'id="map-column"' in question
    assert 'id="ignore-column"' in question
    answer = console.post(
        f"{path}/columns",
        data={
            "csrf": csrf_of(console),
            "field": "warn_at",
            "label": "Порог срабатывания",
            "choice": choice,
        },
    )
    assert answer.status_code == 303
    review = planned(console, path)
    assert 'id="summary"' in review
    if expected_after is None:  # left alone: the limit changes, the threshold does not
        assert "порог 500,00" not in review
    else:
        assert expected_after in review


@pytest.mark.parametrize("choice", ["skip", "read"])
def test_hidden_rows_stop_the_review_until_one_of_two_buttons_decides(
    console: AsgiClient, tmp_path: Path, choice: str
) -> None:
    """What `--hidden read|skip` says on the command line, the page asks with two buttons."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Лимиты"
    sheet.append(["Телефон", "Лимит"])
    sheet.append(["79161000005", 700])
    sheet.append(["79161000004", 3500])  # hidden: someone who left
    sheet.row_dimensions[3].hidden = True
    path = tmp_path / "hidden.xlsx"
    book.save(path)
    review_path = upload(console, path)
    question = planned(console, review_path)
    assert "скрыта строка 3 листа «Лимиты»" in question
    assert 'id="hidden-skip"' in question
    assert 'id="hidden-read"' in question
    answer = console.post(
        f"{review_path}/hidden", data={"csrf": csrf_of(console), "choice": choice}
    )
    assert answer.status_code == 303
    review = planned(console, review_path)
    assert 'id="summary"' in review
    if choice == "skip":
        assert "79161000004" not in review  # left out: not among the changes
        assert "скрытая строка 3 пропущена" in review
    else:
        assert "79161000004" in review


@pytest.mark.parametrize("choice", ["map", "skip"])
def test_a_sheet_without_a_limit_column_is_mapped_or_left_out_in_the_page(
    console: AsgiClient, tmp_path: Path, choice: str
) -> None:
    """What `--columns` with `sheets:` does on the command line, two buttons do here."""
    book = openpyxl.Workbook()
    sales = book.active
    sales.title = "Продажи"
    sales.append(["Телефон", "Лимит"])
    sales.append(["79161000005", 700])
    store = book.create_sheet("Склад")
    store.append(["Телефон", "Лимит на месяц"])
    store.append(["79161000004", 3500])
    path = tmp_path / "departments.xlsx"
    book.save(path)
    review_path = upload(console, path)
    question = planned(console, review_path)
    assert "лист «Склад»: не найден столбец лимита" in question
    assert "Считать «Лимит на месяц» лимитом листа «Склад»" in question
    answer = console.post(
        f"{review_path}/sheet",
        data={
            "csrf": csrf_of(console),
            "sheet": "Склад",
            "label": "Лимит на месяц",
            "choice": choice,
        },
    )
    assert answer.status_code == 303
    review = planned(console, review_path)
    assert 'id="summary"' in review
    assert "79161000005" in review  # the other sheet, read as before
    assert ("79161000004" in review) is (choice == "map")

"""The console's routes, in-process over httpx: upload, review, approve, progress, result."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from quotabulk.config import EMBEDDED_TOKEN, Settings
from quotabulk.console.app import ConsoleConfig, create_console
from quotabulk.console.auth import check_password, hash_password
from quotabulk.domain.running import ExecuteOptions
from tests.asgi import AsgiClient
from tests.conftest import EXAMPLES, CliResult
from tests.engine.test_apply import history


def csrf_of(client: AsgiClient, path: str = "/") -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert match
    return match[1]


def upload(client: AsgiClient, *paths: Path, skip_invalid: bool = False) -> str:
    files = [("files", (p.name, p.read_bytes())) for p in paths]
    data = {"csrf": csrf_of(client), **({"skip_invalid": "true"} if skip_invalid else {})}
    answer = client.post("/upload", files=files, data=data)
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


def planned(client: AsgiClient, review_path: str) -> str:
    """The review page once the upload is read and planned (polled as the page polls it,
    bounded: 20 s); its HTML."""
    for _ in range(400):
        answer = client.get(review_path)
        if 'id="planning"' not in answer.text:
            return str(answer.text)
        time.sleep(0.05)
    raise AssertionError(f"{review_path} was never planned")


def approve(client: AsgiClient, review_path: str, review_page: str) -> Any:
    """Tick «reviewed» and approve the plan the review page showed."""
    fingerprint = re.search(r'name="fingerprint" value="([^"]+)"', review_page)
    assert fingerprint
    data = {"csrf": csrf_of(client), "fingerprint": fingerprint[1], "reviewed": "true"}
    return client.post(f"{review_path}/approve", data=data)


def finished_job(client: AsgiClient, job_path: str) -> dict[str, Any]:
    """Poll the job's state as the page does, until it is done (bounded: 10 s)."""
    for _ in range(200):
        state: dict[str, Any] = client.get(f"{job_path}/state").json()
        if state["done"]:
            return state
        time.sleep(0.05)
    raise AssertionError(f"{job_path} did not finish")


def make_console(
    home: Path, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch, rate_limit: float
) -> FastAPI:
    """A console on a freshly seeded embedded sandbox that processes requests quickly."""
    monkeypatch.setenv("QUOTABULK_SANDBOX_PROCESSING_MS", "50")
    assert cli("sandbox", "seed", "--from", EXAMPLES / "current.yaml").code == 0
    settings = Settings(None, SecretStr(EMBEDDED_TOKEN), None, home)
    return create_console(ConsoleConfig(settings, ExecuteOptions(rate_limit=rate_limit)))


def test_upload_review_approve_and_download(console: AsgiClient, quotabulk_home: Path) -> None:
    review_path = upload(console, EXAMPLES / "quotas.yaml", EXAMPLES / "finance_workbook.xlsx")
    review = planned(console, review_path)
    assert "План: добавить 2, изменить 3, удалить 2, без изменений 3." in review
    # Quotas in the cabinet's words, amounts with kopecks and grouped thousands.
    assert "1\u00a0000,00\u00a0₽ (порог 800,00\u00a0₽, блокировка)" in review
    assert "finance_workbook.xlsx:Отдел продаж:6" in review  # the user's file name, not ours
    assert 'id="approve" disabled' in review
    assert "Учебный режим" in review  # the sandbox banner, in Russian by default
    assert EMBEDDED_TOKEN not in review
    approved = approve(console, review_path, review)
    assert approved.status_code == 303
    job_path = approved.headers["location"]
    state = finished_job(console, job_path)
    assert state["error"] is None
    assert state["outcomes"]["applied"] == 7
    assert len(history(quotabulk_home)) == 7
    result = console.get(job_path).text
    assert f"/runs/{state['run_id']}/report.xlsx" in result
    report = console.get(f"/runs/{state['run_id']}/report.xlsx")
    assert report.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(report.content))["Результаты"]
    outcomes = [row[7].value for row in sheet.iter_rows(min_row=2)]
    assert sorted(outcomes) == ["Без изменений"] * 3 + ["Применено"] * 7
    # The report names the files as the user uploaded them, never the server's folders.
    sources = {row[0].value.split(":")[0] for row in sheet.iter_rows(min_row=2)}
    assert sources == {"quotas.yaml", "finance_workbook.xlsx"}
    assert state["run_id"] in console.get("/runs").text


def test_the_review_shows_the_calendar_of_the_files_periods(
    console: AsgiClient, tmp_path: Path
) -> None:
    """A business trip in the sheet: the review says, in plain words and the reader's
    language, what will be sent on which day."""
    sheet = tmp_path / "командировки.csv"
    sheet.write_text(
        "Номер;Лимит;Действует с;Действует по\n"
        "79123456789;1000;;\n"
        "79123456789;5000;01.06.2099;15.06.2099\n",
        encoding="utf-8",
    )
    review_path = upload(console, sheet)
    review = planned(console, review_path)
    calendar = re.search(r'<ul id="calendar">(.*?)</ul>', review, re.DOTALL)
    assert calendar is not None, review
    assert calendar[1].count("<li>") == 1
    assert (
        "01.06.2099: 79123456789 1 000 → 5 000 по 15.06.2099, затем 1 000 (командировки.csv:3)"
        in calendar[1].replace("\xa0", " ")
    )
    console.get("/lang?to=en")
    english = console.get(review_path).text
    assert "until 15.06.2099, then" in english


def test_the_review_says_what_reading_the_files_left_aside(
    console: AsgiClient, quotabulk_home: Path
) -> None:
    """A sheet without a header is skipped, and the user's own columns change nothing:
    the CLI says so on stderr, the page in the reader's language."""
    review_path = upload(console, EXAMPLES / "finance_workbook.xlsx")
    review = planned(console, review_path)
    notices = re.search(r'<ul id="notices">(.*?)</ul>', review, re.DOTALL)
    assert notices is not None
    assert notices[1].count("<li>") == 5  # two sheets: not managed, hidden; one skipped
    assert "finance_workbook.xlsx: лист «Инструкция» пропущен: нет номеров" in notices[1]
    assert "Бухгалтерия: скрытый столбец «Должность» не управляется" in notices[1]
    assert "finance_workbook.xlsx:Бухгалтерия: столбцы «ФИО», «Должность»" in notices[1]
    assert str(quotabulk_home) not in notices[1]  # the user's file name, not our folder
    console.get("/lang?to=en")
    english = console.get(review_path).text
    skipped = "finance_workbook.xlsx: sheet «Инструкция» skipped: it has no phone numbers"
    assert skipped in english
    # Submitted for approval, the page shows the frozen plan, and still what was said.
    from quotabulk.console.pages.four_eyes import freeze

    [plan] = quotabulk_home.rglob(f"{review_path.rsplit('/', 1)[1]}/plan.json")
    freeze(plan.parent)
    assert skipped in console.get(review_path).text


def test_invalid_rows_block_approval_unless_skipped(console: AsgiClient, tmp_path: Path) -> None:
    sheet = tmp_path / "bad.csv"
    sheet.write_text("Номер;Лимит\n79161000005;700\n123;5\n", encoding="utf-8")
    strict = planned(console, upload(console, sheet))
    assert 'id="blocked"' in strict
    assert "bad.csv:3" in strict
    assert 'id="approve"' not in strict
    loose = planned(console, upload(console, sheet, skip_invalid=True))
    assert 'id="approve" disabled' in loose
    assert "bad.csv:3" in loose


def test_a_stale_plan_is_refused_with_what_changed(
    console: AsgiClient, cli: Callable[..., CliResult], text_file: Callable[..., Path]
) -> None:
    review_path = upload(console, EXAMPLES / "quotas.yaml")
    review = planned(console, review_path)
    other = text_file("other.csv", "Номер;Лимит\n79123456789;999\n")
    assert cli("apply", "--yes", other).code == 0
    approved = approve(console, review_path, review)
    state = finished_job(console, approved.headers["location"])
    assert "the saved plan is stale" in state["error"]
    assert "79123456789 was 1000 ₽" in state["error"]


def test_forms_need_the_csrf_token_and_the_review_tick(console: AsgiClient) -> None:
    files = [("files", ("q.yaml", (EXAMPLES / "quotas.yaml").read_bytes()))]
    assert console.post("/upload", files=files, data={"csrf": "forged"}).status_code == 403
    review_path = upload(console, EXAMPLES / "quotas.yaml")
    never_shown = console.post(f"{review_path}/approve", data={"csrf": csrf_of(console)})
    assert never_shown.status_code == 404  # no plan is approved before it was shown
    assert "План:" in planned(console, review_path)
    unticked = console.post(
        f"{review_path}/approve", data={"csrf": csrf_of(console), "fingerprint": "x"}
    )
    assert unticked.status_code == 409


def test_uploads_are_limited_to_known_kinds(console: AsgiClient) -> None:
    files = [("files", ("notes.txt", b"hello"))]
    answer = console.post("/upload", files=files, data={"csrf": csrf_of(console)})
    assert answer.status_code == 400


def test_english_labels(console: AsgiClient) -> None:
    console.get("/lang?to=en")
    assert "Practice mode" in console.get("/").text


def test_a_console_with_a_password_requires_login(quotabulk_home: Path) -> None:
    stored = hash_password("correct horse")
    assert check_password("correct horse", stored)
    assert not check_password("wrong", stored)
    settings = Settings(None, SecretStr(EMBEDDED_TOKEN), None, quotabulk_home)
    app = create_console(ConsoleConfig(settings, ExecuteOptions(), password_hash=stored))
    # On loopback too: a team behind nginx on 127.0.0.1 set the password for a reason.
    with AsgiClient(app, "http://127.0.0.1:8080") as client:
        assert client.get("/").status_code == 303
        token = csrf_of(client, "/login")
        assert client.post("/login", data={"csrf": token, "password": "wrong"}).status_code == 401
        assert client.post("/login", data={"password": "correct horse"}).status_code == 403
        assert (
            client.post("/login", data={"csrf": token, "password": "correct horse"}).status_code
            == 303
        )
        assert client.get("/").status_code == 200


def test_serving_beyond_loopback_needs_login_and_tls(cli: Callable[..., CliResult]) -> None:
    result = cli("serve", "--host", "0.0.0.0")  # noqa: S104 - refused, never bound
    assert result.code == 1
    assert "needs a login and TLS" in result.err


def test_a_foreign_host_gets_nothing_dns_rebinding(console: AsgiClient) -> None:
    """A page on another site whose name was made to resolve to 127.0.0.1 sends its own
    Host: refused, so it can read no page, no CSRF token, and approve nothing."""
    for host in ("evil.example", "evil.example:8080", "127.0.0.1.evil.example"):
        answer = console.get("/", headers={"Host": host})
        assert answer.status_code == 400, host
        assert 'name="csrf"' not in answer.text
    for host in ("localhost:8080", "127.0.0.1", "[::1]:8080"):
        assert console.get("/", headers={"Host": host}).status_code == 200, host


def test_a_post_from_another_origin_is_refused(console: AsgiClient) -> None:
    token = csrf_of(console)
    files = [("files", ("q.yaml", (EXAMPLES / "quotas.yaml").read_bytes()))]
    foreign = console.post(
        "/upload", files=files, data={"csrf": token}, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    # Another port of the same host is another origin: a page served there is anyone's.
    other_port = console.post(
        "/upload", files=files, data={"csrf": token}, headers={"Origin": "http://127.0.0.1:19301"}
    )
    assert other_port.status_code == 403
    assert other_port.text == "cross-origin request refused"  # before the CSRF check
    own = console.post(
        "/upload", files=files, data={"csrf": token}, headers={"Origin": "http://127.0.0.1"}
    )
    assert own.status_code == 303


def test_serve_answers_to_its_own_names_only_by_default() -> None:
    from quotabulk.cli.serve import _allowed_hosts

    assert _allowed_hosts("127.0.0.1", ()) == ("localhost", "127.0.0.1", "[::1]")
    assert _allowed_hosts("quotas.corp.example", ())[-1] == "quotas.corp.example"
    assert _allowed_hosts("0.0.0.0", ("quotas.corp.example",)) == ("quotas.corp.example",)  # noqa: S104


def test_pages_are_not_cached_nor_sniffed(console: AsgiClient) -> None:
    answer = console.get("/")
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_the_language_switch_returns_only_to_a_page_of_ours(console: AsgiClient) -> None:
    back = console.get("/lang?to=en", headers={"Referer": "https://evil.example/phish?x=1"})
    assert back.headers["location"] == "/phish?x=1"  # the path only, on this console
    assert (
        console.get("/lang?to=ru", headers={"Referer": "//evil.example/"}).headers["location"]
        == "/"
    )


def test_a_very_long_file_name_is_shortened_not_a_crash(console: AsgiClient) -> None:
    name = "квоты-" * 60 + ".csv"  # over 255 bytes
    body = (EXAMPLES / "quotas.csv").read_bytes()
    answer = console.post(
        "/upload", files=[("files", (name, body))], data={"csrf": csrf_of(console)}
    )
    assert answer.status_code == 303
    review = planned(console, answer.headers["location"])
    assert ".csv" in review


def test_a_failed_login_says_so_in_words(quotabulk_home: Path) -> None:
    settings = Settings(None, SecretStr(EMBEDDED_TOKEN), None, quotabulk_home)
    app = create_console(
        ConsoleConfig(settings, ExecuteOptions(), password_hash=hash_password("right one"))
    )
    with AsgiClient(app, "http://127.0.0.1") as client:
        token = csrf_of(client, "/login")
        failed = client.post("/login", data={"csrf": token, "password": "wrong"})
    assert failed.status_code == 401
    assert "Неверный пароль" in failed.text


def test_approving_one_plan_twice_is_one_job_and_one_request_per_change(
    console: AsgiClient, quotabulk_home: Path
) -> None:
    """Two tabs (or a replayed POST) approving the plan shown: the second joins the
    first job while it runs, and the operator gets each change once."""
    review_path = upload(console, EXAMPLES / "quotas.yaml")
    review = planned(console, review_path)
    first = approve(console, review_path, review)
    second = approve(console, review_path, review)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    state = finished_job(console, first.headers["location"])
    assert state["error"] is None
    requests = history(quotabulk_home)
    assert len(requests) == state["outcomes"]["applied"] > 0
    assert len({r["msisdn"] for r in requests}) == len(requests)


def test_the_review_of_several_accounts_shows_each_with_its_sums_and_the_total(
    console: AsgiClient, cli: Callable[..., CliResult], tmp_path: Path, quotabulk_home: Path
) -> None:
    """A sheet with a «Лицевой счёт» column: a section per account with its counts and
    sums, then all accounts; approved once, each account runs its own changes."""
    current = tmp_path / "current.csv"
    current.write_text(
        "Лицевой счёт;Номер;Лимит\n"
        "ACC-100200;79161000001;1000\nACC-100200;79161000002;2000\n"
        "ACC-700700;79167000001;500\n",
        encoding="utf-8",
    )
    assert cli("sandbox", "seed", "--from", current).code == 0
    sheet = tmp_path / "холдинг.csv"
    sheet.write_text(
        "Лицевой счёт;Номер;Лимит\n"
        "ACC-100200;79161000001;1500\nACC-100200;79161000002;2000\n"
        "ACC-700700;79167000001;800\n",
        encoding="utf-8",
    )
    review_path = upload(console, sheet)
    review = planned(console, review_path).replace("\xa0", " ")
    table = re.search(r'<table id="accounts".*?</table>', review, re.DOTALL)
    assert table is not None, review
    rows = re.findall(r'<tr data-account="([^"]+)">(.*?)</tr>', table[0], re.DOTALL)
    assert [account for account, _ in rows] == ["ACC-100200", "ACC-700700"]
    first, second = (cells for _, cells in rows)
    assert "План: добавить 0, изменить 1, удалить 0, без изменений 1." in first
    assert "1 000,00 ₽" in first
    assert "1 500,00 ₽" in first
    assert "500,00 ₽" in second
    assert "800,00 ₽" in second
    total = re.search(r'<tr class="totals" id="accounts-total">(.*?)</tr>', table[0], re.DOTALL)
    assert total is not None
    assert "Все счета" in total[1]
    assert "1 500,00 ₽" in total[1]
    assert "2 300,00 ₽" in total[1]
    approved = approve(console, review_path, planned(console, review_path))
    assert approved.status_code == 303
    state = finished_job(console, approved.headers["location"])
    assert state["error"] is None
    assert state["outcomes"]["applied"] == 2
    assert state["outcomes"]["unchanged"] == 1
    # One report of both accounts' runs, each row with its account.
    assert state["run_id"].count("+") == 1
    report = console.get(f"/runs/{state['run_id']}/report.xlsx")
    assert report.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(report.content))["Результаты"]
    header = [cell.value for cell in sheet[1]]
    accounts = [row[header.index("Лицевой счёт")].value for row in sheet.iter_rows(min_row=2)]
    assert accounts == ["ACC-100200", "ACC-100200", "ACC-700700"]

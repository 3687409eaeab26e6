"""The night's result reaches people: `quotabulk reconcile` in its own process, as cron
runs it, against a sandbox over real HTTP, mailing a real SMTP server (aiosmtpd) and
posting to a real HTTP endpoint, both on loopback. Never at the cost of the run: with
the mail server down the exit code and the report are the night's all the same."""

from __future__ import annotations

import email
import email.policy
import io
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from decimal import Decimal
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from quotabulk.domain.models import Quota, Subscriber
from quotabulk.sandbox.store import Behaviour, SandboxStore
from tests.live import LiveSandbox, live_sandbox

pytestmark = pytest.mark.slow
ACCOUNT = "ACC-100200"
SMTP_USER, SMTP_PASSWORD = "quotabulk", "smtp-secret-7d1e"
SHEET = (
    "Номер;Лимит;ФИО\n"
    "79161000001;1500;Анна\n"  # an edit, applied
    "79161000002;150000;Борис\n"  # above the account's ceiling: rejected
    "79161000003;300;Вера\n"  # as it is
)


class Inbox:
    """What the SMTP server received, and who logged in."""

    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self.logins: list[tuple[str, str]] = []

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.raw.append(content)
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.mails.append(parsed)
        return "250 OK"

    def authenticate(
        self, server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        login, password = data.login.decode(), data.password.decode()
        self.logins.append((login, password))
        return AuthResult(success=(login, password) == (SMTP_USER, SMTP_PASSWORD))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    found = Inbox()
    port = _free_port()
    controller = Controller(
        found,
        hostname="127.0.0.1",
        port=port,
        authenticator=found.authenticate,
        auth_require_tls=False,  # loopback: quotabulk speaks plain SMTP only there
    )
    controller.start()
    try:
        yield found, port
    finally:
        controller.stop()


@pytest.fixture
def hook() -> Iterator[tuple[list[dict[str, Any]], str]]:
    """A chat's incoming webhook on loopback: every JSON body it was posted."""
    bodies: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            bodies.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield bodies, f"http://127.0.0.1:{server.server_address[1]}/hooks/quotas"
    finally:
        server.shutdown()
        server.server_close()


def _seed(db: Path) -> None:
    store = SandboxStore(db)
    try:
        store.reset_account(
            ACCOUNT,
            [
                Subscriber("79161000001", Quota(Decimal(1000))),
                Subscriber("79161000002", Quota(Decimal(2000))),
                Subscriber("79161000003", Quota(Decimal(300))),
            ],
        )
    finally:
        store.close()


def _night(
    sandbox: LiveSandbox,
    tmp_path: Path,
    report: Path,
    smtp_port: int,
    *args: str,
    sheet_text: str = SHEET,
    **env: str,
) -> subprocess.CompletedProcess[str]:
    sheet = tmp_path / "квоты.csv"
    sheet.write_text(sheet_text, encoding="utf-8")
    password = tmp_path / "smtp-password"
    password.write_text(SMTP_PASSWORD + "\n", encoding="utf-8")
    environment = {
        **os.environ,
        "QUOTABULK_API_URL": sandbox.url,
        "QUOTABULK_TOKEN": sandbox.token,
        "QUOTABULK_ACCOUNT": ACCOUNT,
        "QUOTABULK_HOME": str(tmp_path / "home"),
        "QUOTABULK_LANG": "ru",
        "QUOTABULK_SMTP_URL": f"smtp://{SMTP_USER}@127.0.0.1:{smtp_port}",
        "QUOTABULK_SMTP_PASSWORD_FILE": str(password),
        "QUOTABULK_MAIL_FROM": "quotabulk@corp.example",
        **env,
    }
    command = [sys.executable, "-m", "quotabulk", "reconcile", str(sheet), "--report", str(report)]
    return subprocess.run(
        [*command, "--log-format", "json", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _rows(xlsx: bytes) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def _secrets_absent(sandbox: LiveSandbox, *texts: str) -> None:
    for text in texts:
        assert sandbox.token not in text
        assert SMTP_PASSWORD not in text


def test_the_nights_mail_and_webhook_say_what_happened_with_the_report_attached(
    tmp_path: Path, inbox: tuple[Inbox, int], hook: tuple[list[dict[str, Any]], str]
) -> None:
    mails, smtp_port = inbox
    bodies, hook_url = hook
    db, report = tmp_path / "sandbox.db", tmp_path / "night.xlsx"
    _seed(db)
    notify = f"mailto:finance@corp.example,{hook_url}"
    with live_sandbox(db, Behaviour(processing_ms=100)) as sandbox:
        night = _night(sandbox, tmp_path, report, smtp_port, QUOTABULK_NOTIFY=notify)
        assert night.returncode == 3, night.stderr
        (mail,) = mails.mails
        assert mails.logins == [(SMTP_USER, SMTP_PASSWORD)]
        subject = str(mail["Subject"])
        assert subject.startswith(f"Квоты {ACCOUNT} за ")
        assert subject.endswith(": 1 применено, 1 без изменений, 1 отклонено")
        assert mail["To"] == "finance@corp.example"
        text = mail.get_body(("plain",))
        assert text is not None
        plain = text.get_content()
        assert "Требуют внимания (1 из 1):" in plain
        rejected = next(line for line in plain.splitlines() if "79161000002" in line)
        assert "Отклонено" in rejected
        assert "Z-2026-" in rejected  # its request number
        assert "потолка" in rejected  # the operator's reason
        assert "Код завершения 3" in plain
        html = mail.get_body(("html",))
        assert html is not None
        assert "<td>79161000002</td>" in html.get_content()
        (attachment,) = list(mail.iter_attachments())
        assert attachment.get_filename() == "night.xlsx"
        sent = attachment.get_payload(decode=True)
        assert isinstance(sent, bytes)
        assert _rows(sent) == _rows(report.read_bytes())  # the run's own report
        (body,) = bodies
        assert body["account"] == ACCOUNT
        assert body["exit_code"] == 3
        assert body["counts"]["rejected"] == 1
        assert body["text"].startswith(subject)
        _secrets_absent(
            sandbox, night.stderr, night.stdout, mails.raw[0].decode(), json.dumps(bodies)
        )
        logs = tmp_path / "home" / "logs"
        for log in logs.glob("*") if logs.exists() else ():
            _secrets_absent(sandbox, log.read_text("utf-8", "replace"))


def test_a_quiet_night_says_nothing_unless_asked_always(
    tmp_path: Path, inbox: tuple[Inbox, int], hook: tuple[list[dict[str, Any]], str]
) -> None:
    mails, smtp_port = inbox
    bodies, hook_url = hook
    db = tmp_path / "sandbox.db"
    _seed(db)
    notify = f"mailto:finance@corp.example,{hook_url}"
    quiet_sheet = SHEET.replace("150000", "2000").replace("1500", "1000")
    with live_sandbox(db) as sandbox:
        first = _night(
            sandbox,
            tmp_path,
            tmp_path / "a.xlsx",
            smtp_port,
            sheet_text=quiet_sheet,
            QUOTABULK_NOTIFY=notify,
        )
        assert first.returncode == 0, first.stderr
        assert not mails.mails
        assert not bodies
        always = _night(
            sandbox,
            tmp_path,
            tmp_path / "b.xlsx",
            smtp_port,
            "--notify-on",
            "always",
            sheet_text=quiet_sheet,
            QUOTABULK_NOTIFY=notify,
        )
        assert always.returncode == 0, always.stderr
    (mail,) = mails.mails
    assert str(mail["Subject"]).endswith(": 3 без изменений")
    assert len(bodies) == 1


def test_with_the_mail_server_down_the_night_is_the_same_and_says_why(
    tmp_path: Path, hook: tuple[list[dict[str, Any]], str]
) -> None:
    db = tmp_path / "sandbox.db"
    _seed(db)
    down = _free_port()  # nothing listens there
    for night in ("a", "b"):
        (tmp_path / night).mkdir()
    with live_sandbox(db) as sandbox:
        plain = _night(sandbox, tmp_path / "a", tmp_path / "plain.xlsx", down)
        _seed(db)
        told = _night(
            sandbox,
            tmp_path / "b",
            tmp_path / "told.xlsx",
            down,
            "--notify",
            "mailto:finance@corp.example",
        )
    assert plain.returncode == told.returncode == 3, told.stderr
    outcomes = [row[7] for row in _rows((tmp_path / "plain.xlsx").read_bytes())]
    assert [row[7] for row in _rows((tmp_path / "told.xlsx").read_bytes())] == outcomes
    lines = [json.loads(line) for line in told.stderr.splitlines() if line.startswith("{")]
    failed = [line for line in lines if line.get("event") == "notification not sent"]
    assert len(failed) == 1
    assert "finance@corp.example" in failed[0]["error"]
    assert "was not sent" in failed[0]["error"]
    summary = openpyxl.load_workbook(tmp_path / "told.xlsx").worksheets[1]
    notes = [row[1] for row in summary.iter_rows(values_only=True) if row[0] == "Примечание"]
    assert any("finance@corp.example" in str(note) for note in notes)


def test_a_night_that_could_not_start_is_mailed_with_why(
    tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    """A broken sheet stops the night before anything is sent (exit 1): the finance
    team hears of it in the morning rather than finding no report."""
    mails, smtp_port = inbox
    db = tmp_path / "sandbox.db"
    _seed(db)
    broken = SHEET + "12345;100;Глеб\n"
    with live_sandbox(db) as sandbox:
        night = _night(
            sandbox,
            tmp_path,
            tmp_path / "failed.xlsx",
            smtp_port,
            sheet_text=broken,
            QUOTABULK_NOTIFY="mailto:finance@corp.example",
        )
    assert night.returncode == 1, night.stderr
    (mail,) = mails.mails
    assert "1 с ошибкой в строке" in str(mail["Subject"])
    text = mail.get_body(("plain",))
    assert text is not None
    plain = text.get_content()
    assert plain.startswith("Запуск не состоялся:")
    assert "Код завершения 1: ошибка во входных данных или настройке" in plain
    assert "12345" in plain
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_filename() == "failed.xlsx"

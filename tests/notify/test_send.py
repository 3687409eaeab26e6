"""The mail and the webhook as they leave, in-process against real servers on loopback:
an SMTP server (aiosmtpd), an HTTP endpoint that fails before it answers; what a
notification says (text, HTML, attachment) and what it does when it cannot go."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session

from quotabulk.app.notifying import Notify, NotifyOn, notify
from quotabulk.domain.language import Language
from quotabulk.domain.models import ActionKind, Quota
from quotabulk.domain.outcomes import Outcome, RowResult, RunResult, RunStatus
from quotabulk.formats import notice
from quotabulk.formats.notice import Notice, html_body, mail, subject, text_body, webhook_body
from quotabulk.notify import MailServer, NotifyConfig, parse_targets
from quotabulk.notify.send import SendFailed, post_json, send_mail
from tests.cli.test_notify import _free_port


class _Box:
    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        parsed = email.message_from_bytes(
            envelope.original_content or b"", policy=email.policy.default
        )
        assert isinstance(parsed, EmailMessage)
        self.mails.append(parsed)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[_Box, int]]:
    box, port = _Box(), _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
def flaky_hook() -> Iterator[tuple[list[dict[str, Any]], str, list[int]]]:
    """Answers the statuses in `plan` first (503, 429, 400…), then 200."""
    bodies: list[dict[str, Any]] = []
    plan: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            status = plan.pop(0) if plan else 200
            if status == 200:
                bodies.append(body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield bodies, f"http://127.0.0.1:{server.server_address[1]}/hook", plan
    finally:
        server.shutdown()
        server.server_close()


def _result(rows: int = 3) -> RunResult:
    found = [
        RowResult(
            f"квоты.xlsx:Лимиты:{i + 2}",
            f"791610000{i:02d}",
            ActionKind.EDIT,
            Quota(Decimal(1000)),
            Quota(Decimal(2000)),
            f"Z-2026-{i:07d}",
            "rejected",
            Outcome.REJECTED,
            "<b>над потолком</b>",
        )
        for i in range(rows)
    ]
    return RunResult(
        "run-1", "ACC-1", "http://op", ("квоты.xlsx",), "", "", RunStatus.FINISHED, found
    )


def _config(port: int, *targets: str) -> NotifyConfig:
    server = MailServer("smtp", "127.0.0.1", port)
    return NotifyConfig(
        parse_targets(list(targets), "--notify"), server, "qb@corp.example", timeout_s=5, attempts=2
    )


def test_the_mail_lists_fifty_rows_escapes_html_and_attaches_the_report(tmp_path: Path) -> None:
    report = tmp_path / "ночь.xlsx"
    report.write_bytes(b"PK fake xlsx")
    told = Notice(_result(60), 3, "reconcile", date(2026, 12, 1), Language.RU, report)
    assert subject(told) == "Квоты ACC-1 за 01.12.2026: 60 отклонено"
    text = text_body(told)
    assert "Требуют внимания (50 из 60):" in text
    assert text.count("Z-2026-") == 50
    assert "[квоты.xlsx:Лимиты:2]" in text
    html = html_body(told)
    assert "&lt;b&gt;над потолком&lt;/b&gt;" in html
    assert "<b>над" not in html
    message = mail(told, "qb@corp.example", ["finance@corp.example"])
    (attached,) = list(message.iter_attachments())
    assert attached.get_filename() == "ночь.xlsx"
    assert attached.get_payload(decode=True) == b"PK fake xlsx"
    body = webhook_body(told)
    assert body["exit_code"] == 3
    assert body["report"] == str(report)


def test_a_report_too_big_to_attach_is_named_not_attached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = tmp_path / "big.xlsx"
    report.write_bytes(b"x" * 2048)
    monkeypatch.setattr(notice, "MAX_ATTACHMENT", 1024)
    told = Notice(_result(1), 3, "reconcile", date(2026, 12, 1), Language.EN, report)
    assert "too large to attach" in text_body(told)
    assert not list(mail(told, "qb@corp.example", ["a@corp.example"]).iter_attachments())
    gone = Notice(_result(0), 0, "apply", date(2026, 12, 1), Language.EN, None)
    assert subject(gone) == "Quotas ACC-1 on 01.12.2026: nothing to change"
    assert "No report was written." in text_body(gone)


def test_mail_and_webhook_go_out_and_a_busy_webhook_is_tried_again(
    smtp: tuple[_Box, int], flaky_hook: tuple[list[dict[str, Any]], str, list[int]]
) -> None:
    box, port = smtp
    bodies, url, plan = flaky_hook
    plan += [503, 429]  # busy twice, then it takes it
    config = _config(port, "mailto:finance@corp.example", url)
    config = NotifyConfig(config.targets, config.server, config.sender, 5, attempts=3)
    asked = Notify(config, NotifyOn.ALWAYS, "reconcile")
    failures = notify(asked, _result(1), 3, None, Language.RU)
    assert failures == []
    (sent,) = box.mails
    assert str(sent["Subject"]).startswith("Квоты ACC-1 за ")
    assert str(sent["Subject"]).endswith(": 1 отклонено")
    assert len(bodies) == 1
    assert bodies[0]["counts"]["rejected"] == 1


def test_what_cannot_be_sent_is_said_and_never_raised(
    flaky_hook: tuple[list[dict[str, Any]], str, list[int]],
) -> None:
    _, url, plan = flaky_hook
    plan += [400]
    down = _free_port()
    asked = Notify(_config(down, "mailto:finance@corp.example", url), NotifyOn.ALWAYS)
    failures = notify(asked, _result(1), 3, None, Language.EN)
    said = [str(f) for f in failures]
    assert len(said) == 2
    assert said[0].startswith("the notification to mailto:finance@corp.example was not sent")
    assert "HTTP 400" in said[1]
    plan.append(400)
    with pytest.raises(SendFailed, match="HTTP 400"):
        post_json(url, {"text": "x"}, _config(down))
    with pytest.raises(SendFailed, match="no mail server"):
        send_mail(EmailMessage(), NotifyConfig())
    quiet = Notify(_config(down, "mailto:finance@corp.example"), NotifyOn.PROBLEMS)
    assert notify(quiet, _result(0), 0, None) == []  # not due: nothing tried

"""Where notifications may go, checked before a run: mail addresses, webhooks over https
(plain http on loopback only), SMTP URLs without passwords in them; and when a run is
worth a message."""

from __future__ import annotations

from decimal import Decimal

import pytest

from quotabulk.app.notifying import NotifyOn, due
from quotabulk.domain.errors import ConfigError
from quotabulk.domain.models import ActionKind, Quota
from quotabulk.domain.outcomes import Outcome, RowResult, RunResult, RunStatus
from quotabulk.notify import parse_smtp_url, parse_targets
from quotabulk.notify.targets import TargetKind


def test_mail_addresses_and_webhooks_are_told_apart_and_deduplicated() -> None:
    found = parse_targets(
        [
            "mailto:finance@corp.example, https://chat.example/hooks/x",
            "mailto:finance@corp.example",
        ],
        "--notify",
    )
    assert [(t.kind, t.address) for t in found] == [
        (TargetKind.MAIL, "finance@corp.example"),
        (TargetKind.WEBHOOK, "https://chat.example/hooks/x"),
    ]
    assert str(found[1]) == "https://chat.example/…"  # a webhook's secret path never shown


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("http://chat.example/hook", "must be https"),
        ("finance@corp.example", "neither a mail address"),
        ("mailto:finance", "is not a mail address"),
        ("ftp://host/x", "neither a mail address"),
    ],
)
def test_a_target_that_cannot_be_trusted_is_refused_before_anything(text: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        parse_targets([text], "QUOTABULK_NOTIFY")


def test_plain_http_is_allowed_to_loopback_only() -> None:
    (hook,) = parse_targets(["http://127.0.0.1:9000/hook"], "--notify")
    assert hook.kind is TargetKind.WEBHOOK


def test_smtp_urls() -> None:
    server = parse_smtp_url("smtp://robot@mail.corp.example", "QUOTABULK_SMTP_URL", "pw")
    assert (server.scheme, server.host, server.port, server.user) == (
        "smtp",
        "mail.corp.example",
        587,
        "robot",
    )
    assert "pw" not in repr(server)
    assert not server.loopback
    assert parse_smtp_url("smtps://mail.corp.example", "V", None).port == 465
    assert parse_smtp_url("smtp://127.0.0.1:25", "V", None).loopback
    with pytest.raises(ConfigError, match="holds a password"):
        parse_smtp_url("smtp://robot:secret@mail.corp.example", "V", None)
    with pytest.raises(ConfigError, match="must be smtp://"):
        parse_smtp_url("https://mail.corp.example", "V", None)


def _result(*outcomes: Outcome, sent: bool = False) -> RunResult:
    rows = [
        RowResult(
            f"f.csv:{i + 2}",
            f"7916000000{i}",
            ActionKind.EDIT,
            Quota(Decimal(1)),
            Quota(Decimal(2)),
            "Z-1" if sent else None,
            None,
            outcome,
            None,
        )
        for i, outcome in enumerate(outcomes)
    ]
    return RunResult("r", "ACC", "u", (), "", "", RunStatus.FINISHED, rows)


def test_a_quiet_night_is_due_only_always_and_trouble_is_due_unless_never_asked() -> None:
    quiet = _result(Outcome.UNCHANGED)
    assert not due(NotifyOn.CHANGES, quiet, 0)
    assert not due(NotifyOn.PROBLEMS, quiet, 0)
    assert due(NotifyOn.ALWAYS, quiet, 0)
    sent = _result(Outcome.APPLIED, sent=True)
    assert due(NotifyOn.CHANGES, sent, 0)
    assert not due(NotifyOn.PROBLEMS, sent, 0)
    rejected = _result(Outcome.APPLIED, Outcome.REJECTED, sent=True)
    assert due(NotifyOn.PROBLEMS, rejected, 3)
    assert due(NotifyOn.PROBLEMS, quiet, 5)  # nothing sent: the operator was down

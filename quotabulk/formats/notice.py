"""What a notification says about a run, in the report's language: the mail (subject,
plain text and HTML, the report attached when it is small enough) and the JSON a chat's
incoming webhook takes (`{"text": …}` and the facts beside it)."""

from __future__ import annotations

import html
import mimetypes
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from quotabulk import i18n
from quotabulk.domain.language import Language
from quotabulk.domain.messages import C_
from quotabulk.domain.outcomes import Outcome, RowResult, RunResult
from quotabulk.domain.periods import day_text
from quotabulk.formats.language import outcome_word
from quotabulk.formats.reports.columns import reason_text

MAX_ROWS = 50  # the rows that need attention, listed in the mail; the report has all
MAX_ATTACHMENT = 10 * 1024 * 1024  # most mail servers refuse more than 10–25 MB

COUNTS = {
    Outcome.APPLIED: C_("mail", "{n} applied"),
    Outcome.UNCHANGED: C_("mail", "{n} unchanged"),
    Outcome.REJECTED: C_("mail", "{n} rejected"),
    Outcome.FAILED: C_("mail", "{n} failed"),
    Outcome.PENDING: C_("mail", "{n} pending"),
    Outcome.CONFLICT: C_("mail", "{n} in conflict"),
    Outcome.INVALID: C_("mail", "{n} invalid"),
    Outcome.SKIPPED: C_("mail", "{n} skipped"),
    Outcome.SCHEDULED: C_("mail", "{n} scheduled"),
}
# What the exit code means, for the person reading the mail rather than a monitor.
EXIT_MEANINGS = {
    0: C_("mail", "every row is applied or already as wanted"),
    1: C_("mail", "an input or configuration error: nothing was sent"),
    3: C_(
        "mail",
        "some rows were rejected, failed, are in conflict or still pending: see them above",
    ),
    4: C_("mail", "another run held the account's lock: nothing was sent"),
    5: C_("mail", "the operator could not be reached: nothing was sent"),
    70: C_("mail", "an internal error of quotabulk: its log is in the home folder"),
    130: C_("mail", "the run was stopped; the same command continues it"),
}
WORDS = {
    "subject": C_("mail", "Quotas {account} on {day}: {counts}"),
    "nothing": C_("mail", "nothing to change"),
    "run": C_("mail", "quotabulk {command} of {inputs}: run {run}, ended {at}."),
    "not_started": C_("mail", "The run could not start: {error}"),
    "counts": C_("mail", "Rows:"),
    "attention": C_("mail", "Need attention ({shown} of {total}):"),
    "exit": C_("mail", "Exit code {code}: {meaning}."),
    "report": C_("mail", "The full report: {path} (attached)."),
    "report_big": C_("mail", "The full report: {path} ({size} MB, too large to attach)."),
    "no_report": C_("mail", "No report was written."),
}


@dataclass(frozen=True)
class Notice:
    """One run as a notification tells it."""

    result: RunResult
    exit_code: int
    command: str  # reconcile, apply
    day: date
    lang: Language
    report: Path | None = None
    error: str | None = None  # why the run could not start, when it could not

    def word(self, key: str) -> str:
        return i18n.p_("mail", WORDS[key], self.lang)

    @property
    def attention(self) -> list[RowResult]:
        return [row for row in self.result.rows if row.outcome.needs_attention]

    @property
    def attachable(self) -> bool:
        return (
            self.report is not None
            and self.report.is_file()
            and (self.report.stat().st_size <= MAX_ATTACHMENT)
        )


def subject(notice: Notice) -> str:
    """«Квоты ACC-100200 за 30.11.2026: 9 применено, 1 отклонено»."""
    counts = _counts(notice) or notice.word("nothing")
    account = notice.result.account or "—"
    return notice.word("subject").format(account=account, day=day_text(notice.day), counts=counts)


def _counts(notice: Notice) -> str:
    found = notice.result.counts()
    return ", ".join(
        i18n.p_("mail", COUNTS[outcome], notice.lang).format(n=found[outcome.value])
        for outcome in Outcome
        if found[outcome.value]
    )


def _row_line(row: RowResult, lang: Language) -> list[str]:
    """An attention row's cells: outcome, number, request, reason, where."""
    return [
        outcome_word(row.outcome, lang),
        row.msisdn or "—",
        row.request_id or "",
        reason_text(row, lang),
        row.source,
    ]


def _exit_line(notice: Notice) -> str:
    meaning = EXIT_MEANINGS.get(notice.exit_code)
    said = i18n.p_("mail", meaning, notice.lang) if meaning else str(notice.exit_code)
    return notice.word("exit").format(code=notice.exit_code, meaning=said)


def _report_line(notice: Notice) -> str:
    if notice.report is None or not notice.report.is_file():
        return notice.word("no_report")
    if notice.attachable:
        return notice.word("report").format(path=notice.report)
    size = f"{notice.report.stat().st_size / 1024 / 1024:.1f}"
    return notice.word("report_big").format(path=notice.report, size=size)


def _head(notice: Notice) -> str:
    if notice.error is not None:
        return notice.word("not_started").format(error=notice.error)
    result = notice.result
    return notice.word("run").format(
        command=notice.command,
        inputs=", ".join(result.inputs),
        run=result.run_id,
        at=i18n.moment(result.finished_at or result.started_at, notice.lang),
    )


def text_body(notice: Notice) -> str:
    """The plain-text mail (and the webhook's `text`)."""
    rows = notice.attention
    lines = [_head(notice), "", notice.word("counts") + " " + (_counts(notice) or "—")]
    if rows:
        shown = rows[:MAX_ROWS]
        lines += ["", notice.word("attention").format(shown=len(shown), total=len(rows))]
        for row in shown:
            *cells, source = _row_line(row, notice.lang)
            lines.append("  " + "  ".join([*(c for c in cells if c), f"[{source}]"]))
    return "\n".join([*lines, "", _exit_line(notice), _report_line(notice)]) + "\n"


def html_body(notice: Notice) -> str:
    """The same as HTML: the attention rows as a table."""
    esc = html.escape
    parts = [
        '<!doctype html><html><body style="font-family:sans-serif">',
        f"<p>{esc(_head(notice))}</p>",
        f"<p>{esc(notice.word('counts'))} {esc(_counts(notice) or '—')}</p>",
    ]
    rows = notice.attention
    if rows:
        shown = rows[:MAX_ROWS]
        title = notice.word("attention").format(shown=len(shown), total=len(rows))
        parts.append(f'<p>{esc(title)}</p><table border="1" cellpadding="4">')
        for row in shown:
            cells = "".join(f"<td>{esc(cell)}</td>" for cell in _row_line(row, notice.lang))
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</table>")
    parts += [f"<p>{esc(_exit_line(notice))}</p>", f"<p>{esc(_report_line(notice))}</p>"]
    return "\n".join([*parts, "</body></html>"]) + "\n"


def mail(notice: Notice, sender: str, recipients: list[str]) -> EmailMessage:
    """The mail: subject, plain text with an HTML alternative, the report attached."""
    message = EmailMessage()
    message["Subject"] = subject(notice)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(text_body(notice))
    message.add_alternative(html_body(notice), subtype="html")
    if notice.attachable:
        assert notice.report is not None
        kind = mimetypes.guess_type(notice.report.name)[0] or "application/octet-stream"
        maintype, _, subtype = kind.partition("/")
        message.add_attachment(
            notice.report.read_bytes(),
            maintype=maintype,
            subtype=subtype,
            filename=notice.report.name,
        )
    return message


def webhook_body(notice: Notice) -> dict[str, Any]:
    """What a chat's incoming webhook takes (`text`), and the facts for other listeners."""
    return {
        "text": f"{subject(notice)}\n{text_body(notice)}",
        "account": notice.result.account,
        "run_id": notice.result.run_id,
        "exit_code": notice.exit_code,
        "counts": notice.result.counts(),
        "report": str(notice.report) if notice.report else None,
    }

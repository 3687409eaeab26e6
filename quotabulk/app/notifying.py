"""After a run, tell people what it did: a mail in the report's language with the report
attached, a JSON POST to a chat's webhook. Never at the cost of the run: a notification
that cannot be sent is said (stderr, and a line in the report's summary sheet), and the
run's exit code and report stay what they were; nothing about the operator is retried."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from quotabulk.app.reports import ReportRequest, write_run_report
from quotabulk.app.workspace import Workspace
from quotabulk.config import load_settings, notify_config, report_language
from quotabulk.domain import messages as said
from quotabulk.domain.errors import EXIT_OK, ConfigError, StateError
from quotabulk.domain.language import Language
from quotabulk.domain.messages import Text
from quotabulk.domain.outcomes import RunResult
from quotabulk.formats.notice import Notice, mail, webhook_body
from quotabulk.i18n import today
from quotabulk.notify import NotifyConfig, Target
from quotabulk.notify.send import SendFailed, post_json, send_mail
from quotabulk.notify.targets import TargetKind
from quotabulk.redaction import blank


class NotifyOn(StrEnum):
    """When a run's result is sent: `changes` (the default) — something was sent, or
    something is not fine; `problems` — only the latter; `always`."""

    ALWAYS = "always"
    CHANGES = "changes"
    PROBLEMS = "problems"


@dataclass(frozen=True)
class Notify:
    """What a command was asked to tell, and whom."""

    config: NotifyConfig
    on: NotifyOn = NotifyOn.CHANGES
    command: str = "reconcile"

    @property
    def wanted(self) -> bool:
        return bool(self.config.targets)


def notify_of(flags: tuple[str, ...], on: str, command: str) -> Notify:
    """`--notify`/`QUOTABULK_NOTIFY` and `--notify-on`, checked before anything is sent."""
    return Notify(notify_config(flags), NotifyOn(on), command)


def due(on: NotifyOn, result: RunResult, exit_code: int) -> bool:
    """Whether this run is worth a message under `on`. A quiet night — nothing sent,
    nothing wrong — says nothing unless `always`."""
    if on is NotifyOn.ALWAYS:
        return True
    trouble = exit_code != EXIT_OK or any(row.outcome.needs_attention for row in result.rows)
    if on is NotifyOn.PROBLEMS:
        return trouble
    return trouble or any(row.request_id for row in result.rows)


def notify(
    asked: Notify,
    result: RunResult,
    exit_code: int,
    report: Path | None,
    lang: Language | None = None,
    error: str | None = None,
) -> list[Text]:
    """Send the run's result where `asked` says, when it is due, in `lang` (else the
    reports' language); what could not be sent, one sentence each (never raises: the run
    is done whatever the mail does)."""
    if not asked.wanted or not due(asked.on, result, exit_code):
        return []
    language = lang or report_language()
    notice = Notice(result, exit_code, asked.command, today(), language, report, error)
    failures: list[Text] = []
    mails = [t for t in asked.config.targets if t.kind is TargetKind.MAIL]
    if mails:
        message = mail(notice, asked.config.sender or "", [t.address for t in mails])
        _try(failures, mails, functools.partial(send_mail, message, asked.config))
    body = webhook_body(notice)
    for hook in (t for t in asked.config.targets if t.kind is TargetKind.WEBHOOK):
        _try(failures, [hook], functools.partial(post_json, hook.address, body, asked.config))
    return failures


def _try(failures: list[Text], targets: list[Target], send: Callable[[], None]) -> None:
    shown = ", ".join(str(t) for t in targets)
    try:
        send()
    except SendFailed as exc:
        failures.append(said.NOTIFY_FAILED(target=shown, reason=blank(str(exc))))
    except Exception as exc:  # a notification never turns a finished run into a crash
        failures.append(said.NOTIFY_FAILED(target=shown, reason=type(exc).__name__))


def note_in_report(
    result: RunResult,
    report: Path | None,
    request: ReportRequest,
    failures: list[Text],
) -> None:
    """The failures as a line of the report's summary sheet (the report written again,
    the same rows): whoever opens it later knows nobody was told."""
    if not failures or report is None or not report.is_file():
        return
    lines = "; ".join(str(f) for f in failures)
    note = f"{request.note}; {lines}" if request.note else lines
    rewrite = dataclasses.replace(request, path=report, note=note)
    # Unwritable: the report stays as it was, and stderr said why the mail did not go.
    with contextlib.suppress(StateError, ConfigError):
        write_run_report(Workspace(load_settings()), result, rewrite)

"""A run's audit trail as `.xlsx` (for people: the events, then every request) or
`.json` (for machines). Written fresh each time from the append-only journal."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

from quotabulk.domain.language import Language
from quotabulk.domain.messages import C_
from quotabulk.domain.outcomes import RunResult
from quotabulk.domain.people import AuditRecord
from quotabulk.formats.language import action_word, header, outcome_word, status_word
from quotabulk.formats.reports.columns import inert
from quotabulk.i18n import moment, p_

WORDS = {
    "events": C_("audit", "events"),
    "requests": C_("audit", "requests"),
    "run": C_("audit", "run"),
    "account": C_("audit", "account"),
    "operator": C_("audit", "operator"),
    "digest": C_("audit", "plan digest (SHA-256)"),
    "at": C_("audit", "at"),
    "event": C_("audit", "event"),
    "user": C_("audit", "user"),
    "detail": C_("audit", "detail"),
    "submitted": C_("audit", "submitted"),
    "approved": C_("audit", "approved"),
    "declined": C_("audit", "declined"),
    "run_event": C_("audit.event", "run"),  # «запуск», beside the sheet's «Запуск»
}


def _detail_text(record: AuditRecord) -> str:
    detail = record.detail
    parts: list[str] = []
    for item in detail.get("files", []):
        parts.append(f"{item['file']} sha256:{item['sha256']}")
    if detail.get("comment"):
        parts.append(str(detail["comment"]))
    if record.run_id:
        parts.append(record.run_id)
    return "; ".join(parts)


def audit_json(run: RunResult, digest: str | None, trail: Sequence[AuditRecord]) -> dict[str, Any]:
    return {
        "format_version": 1,
        "run_id": run.run_id,
        "account": run.account,
        "operator": run.operator_url,
        "plan_digest": digest,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "status": run.status.value,
        "events": [
            {
                "at": r.at,
                "event": r.event.value,
                "user": r.user,
                "run_id": r.run_id,
                "detail": r.detail,
            }
            for r in trail
        ],
        "requests": [
            {
                "source": row.source,
                "msisdn": row.msisdn,
                "action": row.action.value,
                "request_id": row.request_id,
                "request_status": row.request_status,
                "outcome": row.outcome.value,
            }
            for row in run.rows
        ],
    }


def write_audit(
    run: RunResult,
    digest: str | None,
    trail: Sequence[AuditRecord],
    path: Path,
    lang: Language,
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        body = audit_json(run, digest, trail)
        path.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return
    words = {
        key: p_("audit.event" if key == "run_event" else "audit", english, lang)
        for key, english in WORDS.items()
    }
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    bold = book.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
    events = book.add_worksheet(words["events"])
    events.set_column(0, 0, 26)
    events.set_column(1, 2, 34)
    events.set_column(3, 3, 90)
    facts = [
        (words["run"], run.run_id),
        (words["account"], run.account),
        (words["operator"], run.operator_url),
        (words["digest"], digest or ""),
    ]
    for line, (label, value) in enumerate(facts):
        events.write_string(line, 0, label, bold)
        events.write_string(line, 1, inert(value))
    top = len(facts) + 1
    for column, key in enumerate(("at", "event", "user", "detail")):
        events.write_string(top, column, words[key], bold)
    for line, record in enumerate(trail, start=top + 1):
        name = "run_event" if record.event.value == "run" else record.event.value
        when = moment(record.at, lang)  # the journal's UTC, in the account's zone
        cells = (when, words.get(name, record.event.value), record.user, _detail_text(record))
        for column, text in enumerate(cells):
            events.write_string(line, column, inert(text))
    requests = book.add_worksheet(words["requests"])
    keys = ("source", "msisdn", "action", "request_id", "request_status", "outcome")
    for column, key in enumerate(keys):
        requests.write_string(0, column, header(key, lang), bold)
        requests.set_column(column, column, 24)
    for line, row in enumerate(run.rows, start=1):
        row_cells = (
            row.source,
            row.msisdn,
            action_word(row.action, lang),
            row.request_id or "",
            status_word(row.request_status or "", lang),
            outcome_word(row.outcome, lang),
        )
        for column, text in enumerate(row_cells):
            requests.write_string(line, column, inert(text))
    book.close()

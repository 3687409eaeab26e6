"""Write the current quotas in the input formats, so export → edit → plan shows only edits."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

import xlsxwriter
import yaml

from quotabulk.domain import messages as said
from quotabulk.domain.amounts import format_amount
from quotabulk.domain.errors import UsageError
from quotabulk.domain.models import OnExceed, Subscriber

HEADER = ["Номер", "Лимит", "Порог уведомления", "При превышении", "Действие", "Статус абонента"]
ON_EXCEED_WORDS = {OnExceed.BLOCK: "блокировка", OnExceed.PERSONAL: "личный счёт"}
FORMATS = (".xlsx", ".csv", ".yaml", ".yml")


def check_export_path(path: Path) -> None:
    if path.suffix.lower() not in FORMATS:
        raise UsageError(said.OUT_SUFFIX(kinds=", ".join(FORMATS), name=path.name))


def export_state(subscribers: Iterable[Subscriber], path: Path, account: str) -> int:
    """Write every subscriber (those without a quota as deletions) and return the count."""
    rows = sorted(subscribers, key=lambda s: s.msisdn)
    check_export_path(path)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsx":
        _xlsx(rows, path)
    elif suffix == ".csv":
        _csv(rows, path)
    else:
        _yaml(rows, path, account)
    return len(rows)


def _cells(s: Subscriber) -> list[str]:
    status = "заблокирован" if s.blocked else "активен"
    if s.quota is None:
        return [s.msisdn, "", "", "", "удалить", status]
    warn = "" if s.quota.warn_at is None else format_amount(s.quota.warn_at)
    limit = format_amount(s.quota.limit)
    return [s.msisdn, limit, warn, ON_EXCEED_WORDS[s.quota.on_exceed], "", status]


def _xlsx(rows: list[Subscriber], path: Path) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Квоты")
    bold = book.add_format({"bold": True})
    rubles = book.add_format({"num_format": '#,##0.00 "₽"'})
    sheet.write_row(0, 0, HEADER, bold)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 2, 18)
    sheet.set_column(3, 5, 18)
    for number, subscriber in enumerate(rows, start=1):
        cells = _cells(subscriber)
        sheet.write_string(number, 0, cells[0])
        for column in (1, 2):
            if cells[column]:
                sheet.write_number(number, column, float(cells[column]), rubles)
        for column in (3, 4, 5):
            if cells[column]:
                sheet.write_string(number, column, cells[column])
    sheet.freeze_panes(1, 0)
    book.close()


def _csv(rows: list[Subscriber], path: Path) -> None:
    # BOM and `;`: what Excel on a Russian desktop opens without an import dialog.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(
            [c.replace(".", ",") if i in (1, 2) else c for i, c in enumerate(_cells(s))]
            for s in rows
        )


def _yaml(rows: list[Subscriber], path: Path, account: str) -> None:
    quotas: list[dict[str, object]] = []
    for s in rows:
        if s.quota is None:
            quotas.append({"msisdn": s.msisdn, "delete": True})
            continue
        quotas.append(
            {
                "msisdn": s.msisdn,
                "limit": format_amount(s.quota.limit),
                "warn_at": None if s.quota.warn_at is None else format_amount(s.quota.warn_at),
                "on_exceed": s.quota.on_exceed.value,
            }
        )
    document = {"version": 1, "account": account, "quotas": quotas}
    with path.open("w", encoding="utf-8") as handle:
        yaml.safe_dump(document, handle, allow_unicode=True, sort_keys=False, width=120)

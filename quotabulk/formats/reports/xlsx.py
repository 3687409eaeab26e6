"""The report as `.xlsx` (xlsxwriter, constant memory: 100k rows in ~3 s and ~50 MB).

`before` and `after` are numbers (the limit, so sums and filters work) shown through a
number format that also spells out the threshold and what happens on exceeding it.
Every text cell goes through `write_string`, so nothing a user typed becomes a formula.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from quotabulk.domain.amounts import format_amount
from quotabulk.domain.models import Quota
from quotabulk.domain.outcomes import Outcome, RowResult, RunResult
from quotabulk.formats.reports import columns
from quotabulk.formats.reports.columns import extra_columns, text_cells
from quotabulk.formats.reports.meta import ReportMeta, summary

MAX_ROWS_PER_SHEET = 1_048_575  # Excel's limit, less the header row
WIDTH_SAMPLE = 2000
COLOURS = {
    Outcome.APPLIED: "#C6EFCE",
    Outcome.UNCHANGED: "#E7E6E6",
    Outcome.REJECTED: "#FFC7CE",
    Outcome.FAILED: "#FFC7CE",
    Outcome.PENDING: "#FFEB9C",
    Outcome.INVALID: "#F8CBAD",
    Outcome.SKIPPED: "#F8CBAD",
}


class _Formats:
    """xlsxwriter formats are workbook objects: made once, looked up per cell."""

    def __init__(self, book: Workbook) -> None:
        self.book = book
        self.header = book.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
        self.outcomes = {o: book.add_format({"bg_color": c}) for o, c in COLOURS.items()}
        self._quotas: dict[tuple[str | None, str], Format] = {}

    def quota(self, quota: Quota) -> Format:
        warn = None if quota.warn_at is None else format_amount(quota.warn_at)
        key = (warn, quota.on_exceed.value)
        found = self._quotas.get(key)
        if found is None:
            detail = f"warn at {warn}, {key[1]}" if warn else key[1]
            found = self.book.add_format({"num_format": f'#,##0.00 "₽ ({detail})"'})
            self._quotas[key] = found
        return found


def write_xlsx(result: RunResult, path: Path, meta: ReportMeta) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    formats = _Formats(book)
    extras = extra_columns(result.rows)
    header = [*columns.keys(), *extras]
    widths = _widths(result.rows[:WIDTH_SAMPLE], extras, header)
    rows = result.rows
    for part, start in enumerate(range(0, max(len(rows), 1), MAX_ROWS_PER_SHEET)):
        name = "results" if part == 0 else f"results {part + 1}"
        sheet = book.add_worksheet(name)
        chunk = rows[start : start + MAX_ROWS_PER_SHEET]
        _results_sheet(sheet, chunk, header, extras, widths, formats)
    _summary_sheet(book.add_worksheet("summary"), result, meta, formats)
    book.close()


def _results_sheet(
    sheet: Worksheet,
    rows: Any,
    header: list[str],
    extras: list[str],
    widths: list[int],
    formats: _Formats,
) -> None:
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    sheet.freeze_panes(1, 0)
    for column, name in enumerate(header):
        sheet.write_string(0, column, name, formats.header)
    for number, row in enumerate(rows, start=1):
        _write_row(sheet, number, row, extras, formats)
    sheet.autofilter(0, 0, max(len(rows), 1), len(header) - 1)


def _write_row(
    sheet: Worksheet, number: int, row: RowResult, extras: list[str], formats: _Formats
) -> None:
    for column, text in enumerate(text_cells(row, extras)):
        fixed = columns.COLUMNS
        read_quota = fixed[column].quota if column < len(fixed) else None
        quota = None if read_quota is None else read_quota(row)
        if quota is not None:
            sheet.write_number(number, column, float(quota.limit), formats.quota(quota))
            continue
        outcome = column < len(fixed) and fixed[column].key == "outcome"
        cell_format = formats.outcomes.get(row.outcome) if outcome else None
        if text:
            sheet.write_string(number, column, text, cell_format)
        elif cell_format is not None:
            sheet.write_blank(number, column, None, cell_format)


def _widths(rows: Any, extras: list[str], header: list[str]) -> list[int]:
    widths = [len(name) + 2 for name in header]
    for row in rows:
        for column, text in enumerate(text_cells(row, extras)):
            widths[column] = max(widths[column], min(len(text) + 2, 60))
    return widths


def _summary_sheet(
    sheet: Worksheet, result: RunResult, meta: ReportMeta, formats: _Formats
) -> None:
    facts = summary(result, meta)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 60)
    line = 0

    def put(label: str, value: object, value_format: Format | None = None) -> None:
        nonlocal line
        sheet.write_string(line, 0, label, formats.header)
        if isinstance(value, int):
            sheet.write_number(line, 1, value, value_format)
        else:
            sheet.write_string(line, 1, "" if value is None else str(value), value_format)
        line += 1

    for label in ("run_id", "account", "operator", "status", "started_at", "finished_at"):
        put(label, facts[label])
    put("inputs", ", ".join(facts["inputs"]))
    if facts["note"]:
        put("note", facts["note"])
    put("quotabulk", facts["quotabulk_version"])
    line += 1
    put("rows", facts["rows"])
    for outcome, count in facts["outcomes"].items():
        put(f"outcome: {outcome}", count, formats.outcomes.get(Outcome(outcome)))
    for action, count in facts["actions"].items():
        put(f"action: {action}", count)

"""The report as `.xlsx` (xlsxwriter, constant memory: 100k rows in ~3 s and ~50 MB),
in the report's language, made to be printed and filtered by a finance team.

`before` and `after` are numbers (the limit) shown through a locale-tagged number format:
`1 500,00 ₽` in Russian — a format taken literally as `# ##0,00 ₽` loses the kopecks in
LibreOffice — followed by the threshold and the rule on exceeding when the quota has
them; one too long for its column is wrapped text instead. The amount columns at the end
(limit and threshold before, planned and after) are plain numbers to sum. Every row is
tinted by its outcome; the header is frozen, filtered and repeated on every printed
page; pages are A4 landscape, one page wide, with no text under 8 pt (see `CAPS`).
Every text cell goes through `write_string`, so nothing a user typed becomes a formula.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from quotabulk.domain.language import Language
from quotabulk.domain.models import ActionKind, OnExceed, Quota
from quotabulk.domain.outcomes import Outcome, RowResult, RunResult
from quotabulk.domain.periods import day_text, scheduled_day
from quotabulk.formats.language import (
    action_word,
    outcome_word,
    quota_details,
    run_status_word,
    word,
)
from quotabulk.formats.reports import columns
from quotabulk.formats.reports.columns import extra_columns, headers, quota_gap, text_cells
from quotabulk.formats.reports.meta import ReportMeta, summary
from quotabulk.i18n import moment

MAX_ROWS_PER_SHEET = 1_048_575  # Excel's limit, less the header row
WIDTH_SAMPLE = 2000
SQUEEZE_SAMPLE = 500  # rows weighed when the printed columns must narrow
QUOTA_FLOOR = 12  # «10 500,00 ₽» stays a number in a squeezed «Было»/«Стало»
WIDEST = {"error": 46, "source": 22}  # text wrapped beyond this many characters
# The widest each column may be, in characters of the 11-point font; past it text wraps.
# A4 landscape holds ~196 characters at 8 pt: the printed columns (all but the amounts)
# stay within PRINTED_WIDTH, so fitted to the page's width no text is smaller than 8 pt.
CAPS = {
    "source": 22,
    "msisdn": 13,
    "action": 11,
    "before": 22,
    "after": 22,
    "request_id": 16,  # «Z-2026-0000001» never wraps
    "request_status": 12,
    "outcome": 17,  # «Ошибка в строке»
    "error": 46,  # «79162000000 — не абонент этого лицевого счёта» on one line
    **dict.fromkeys(
        ("limit_before", "warn_before", "limit_planned", "warn_planned", "limit_now", "warn_now"),
        14,  # «100 000,00 ₽»
    ),
}
# Measured: 8.3 pt when printed by LibreOffice (tests/formats/test_printed_report.py).
PRINTED_WIDTH = 178
OWN_WIDTH = 30  # the inputs' own columns, before they share what the page has left
MIN_WRAPPED_WIDTH = 6
A4 = 9
LINE_HEIGHT = 15  # points, of the default 11-point font
TINTS = {
    Outcome.APPLIED: "#C6EFCE",
    Outcome.UNCHANGED: "#EDEDED",
    Outcome.REJECTED: "#FFC7CE",
    Outcome.FAILED: "#FFC7CE",
    Outcome.PENDING: "#FFEB9C",
    Outcome.CONFLICT: "#F4B183",
    Outcome.INVALID: "#F8CBAD",
    Outcome.SKIPPED: "#DDEBF7",
    Outcome.SCHEDULED: "#E2EFDA",
}
MONEY = {
    # The leading locale tag gives «1 500,00 ₽» even where the reader's locale is not
    # Russian; the code itself is stored in the file's own (en-US) notation.
    Language.RU: "[$-419]#,##0.00\\ [$₽-419]",
    Language.EN: '#,##0.00" ₽"',
}
# An extra column's text that is a plain number (no leading zero, which would make it an
# identifier like a personnel number) goes back into the sheet as a number.
_NUMBER = re.compile(r"-?(?:0|[1-9]\d{0,14})(?:\.\d+)?")


class _Formats:
    """xlsxwriter formats are workbook objects: made once per look, reused per cell."""

    def __init__(self, book: Workbook, lang: Language) -> None:
        self.book = book
        self.lang = lang
        self.header = book.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self._made: dict[tuple[Outcome | None, str], Format] = {}

    def cell(self, outcome: Outcome | None, look: str = "text") -> Format:
        """The tint of the row's outcome, with the look of the cell: `text`, `wrap`,
        `number`, or a money format."""
        key = (outcome, look)
        found = self._made.get(key)
        if found is None:
            spec: dict[str, Any] = {"valign": "top"}
            if outcome is not None:
                spec["bg_color"] = TINTS[outcome]
            if look == "wrap":
                spec["text_wrap"] = True
            elif look != "text":
                spec["num_format"] = look
            found = self.book.add_format(spec)
            self._made[key] = found
        return found

    def money(self, quota: Quota | None = None) -> str:
        base = MONEY[self.lang]
        if quota is None or (quota.warn_at is None and quota.on_exceed is OnExceed.BLOCK):
            return base
        return f'{base}" ({quota_details(quota, self.lang)})"'


def write_xlsx(result: RunResult, path: Path, meta: ReportMeta) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    formats = _Formats(book, meta.lang)
    extras = extra_columns(result.rows)
    names = headers(meta.lang, extras)
    widths = _widths(result.rows[:WIDTH_SAMPLE], extras, names, meta.lang)
    rows = result.rows
    title = word("results", meta.lang)
    for part, start in enumerate(range(0, max(len(rows), 1), MAX_ROWS_PER_SHEET)):
        sheet = book.add_worksheet(title if part == 0 else f"{title} {part + 1}")
        chunk = rows[start : start + MAX_ROWS_PER_SHEET]
        _results_sheet(sheet, chunk, names, extras, widths, formats)
    _summary_sheet(book.add_worksheet(word("summary", meta.lang)), result, meta, formats)
    book.close()


def _print_setup(sheet: Worksheet) -> None:
    sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)  # one page wide, as many tall as it takes
    sheet.repeat_rows(0)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.set_footer("&R&P / &N")
    sheet.freeze_panes(1, 0)


def _results_sheet(
    sheet: Worksheet,
    rows: Sequence[RowResult],
    names: list[str],
    extras: list[columns.Extra],
    widths: list[int],
    formats: _Formats,
) -> None:
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    _print_setup(sheet)
    for column, name in enumerate(names):
        sheet.write_string(0, column, name, formats.header)
    header_lines = max(_lines_of(name, width) for name, width in zip(names, widths, strict=True))
    if header_lines > 1:  # «Номер заявки» over a narrow column: two lines, not one cut
        sheet.set_row(0, LINE_HEIGHT * header_lines)
    order = columns.layout(extras)
    wrapped = {n for n, c in enumerate(order) if isinstance(c, str) or c.key in WIDEST or c.quota}
    for number, row in enumerate(rows, start=1):
        lines = _lines(row, extras, formats.lang, widths, wrapped)
        if lines > 1:  # row heights are not recomputed on opening: give wrapped text room
            sheet.set_row(number, LINE_HEIGHT * lines)
        _write_row(sheet, number, row, order, (extras, widths), formats, wrapped)
    sheet.autofilter(0, 0, max(len(rows), 1), len(names) - 1)
    # The amounts are for sums on screen; the printed page holds the readable columns.
    sheet.print_area(0, 0, max(len(rows), 1), len(columns.COLUMNS) + len(extras) - 1)


def _write_row(
    sheet: Worksheet,
    number: int,
    row: RowResult,
    order: list[columns.Column | str],
    sizes: tuple[list[columns.Extra], list[int]],
    formats: _Formats,
    wrapped: set[int],
) -> None:
    extras, widths = sizes
    tint = row.outcome
    for column, text in enumerate(text_cells(row, extras, formats.lang)):
        spec = order[column]
        if isinstance(spec, str):
            if _NUMBER.fullmatch(text):
                sheet.write_number(number, column, float(text), formats.cell(tint, "General"))
            elif text:
                sheet.write_string(number, column, text, formats.cell(tint, "wrap"))
            else:
                sheet.write_blank(number, column, None, formats.cell(tint))
            continue
        if spec.amount is not None:
            amount = spec.amount(row)
            if amount is None:
                sheet.write_blank(number, column, None, formats.cell(tint))
            else:
                look = formats.cell(tint, formats.money())
                sheet.write_number(number, column, float(amount), look)
            continue
        if spec.quota is not None and len(text) + 3 <= widths[column]:  # with « ₽»
            # A number when it fits its column; a quota spelled out at length wraps as
            # text instead (a number cannot wrap: it would print as ####).
            quota = spec.quota(row)
            if quota is not None and quota_gap(row, quota, before=spec.key == "before") is None:
                look = formats.cell(tint, formats.money(quota))
                sheet.write_number(number, column, float(quota.limit), look)
                continue
        if text:
            look = formats.cell(tint, "wrap" if column in wrapped else "text")
            sheet.write_string(number, column, text, look)
        else:
            sheet.write_blank(number, column, None, formats.cell(tint))


def _lines(
    row: RowResult,
    extras: list[columns.Extra],
    lang: Language,
    widths: list[int],
    wrapped: set[int],
) -> int:
    """How many lines the row's wrapped cells take at their column widths."""
    cells = text_cells(row, extras, lang)
    return max((_lines_of(cells[column], widths[column]) for column in wrapped), default=1)


def _lines_of(text: str, width: int) -> int:
    """The lines `text` wraps to in a column `width` characters wide, breaking between
    words as a spreadsheet does. A column's width counts digits; letters are measured
    against them (`_glyph`), so a row is given the height its text takes, no more."""
    room = width - 0.8  # the cell's padding
    space = _glyph(" ")
    lines, used = 1, 0.0
    for piece in text.split():
        size = sum(map(_glyph, piece))
        if used and used + space + size <= room:
            used += space + size
            continue
        if used:
            lines += 1
        while size > room:  # a word longer than a line breaks inside it
            lines += 1
            size -= room
        used = size
    return lines


_NARROW = frozenset(" .,:;!|'()[]-ilj1ftrI")


def _glyph(char: str) -> float:
    """A letter's width in digits of the report's font (Calibri, printed as Carlito)."""
    if char in _NARROW:
        return 0.55
    if char.isupper():
        return 1.15
    return 0.95


def _lines_of_length(length: int, width: int) -> int:
    """A quick, cautious count of the lines a text of `length` letters wraps to."""
    return max(-(-length // max(width - 1, 1)), 1)


def _widths(
    rows: Sequence[RowResult], extras: list[columns.Extra], names: list[str], lang: Language
) -> list[int]:
    """Each column as wide as its longest text up to its cap; past the cap it wraps. The
    printed columns together stay within `PRINTED_WIDTH` (see `_squeeze`)."""
    order = columns.layout(extras)
    caps = [OWN_WIDTH if isinstance(c, str) else CAPS.get(c.key, 12) for c in order]
    widths = [min(len(name) + 2, cap) for name, cap in zip(names, caps, strict=True)]
    texts: list[list[str]] = [[] for _ in order]
    room = [4 if isinstance(c, columns.Column) and (c.quota or c.amount) else 2 for c in order]
    for row in rows:
        for column, text in enumerate(text_cells(row, extras, lang)):
            widths[column] = max(widths[column], min(len(text) + room[column], caps[column]))
            texts[column].append(text)
    _squeeze(widths, order, names, texts)
    return widths


def _squeeze(
    widths: list[int], order: list[columns.Column | str], names: list[str], texts: list[list[str]]
) -> None:
    """Narrow the printed columns that wrap until they fit `PRINTED_WIDTH` (fitted to the
    page's width, a wider sheet would shrink every letter below 8 pt): one character at a
    time, from the column where it makes the rows grow least — a reason most rows leave
    empty narrows before a quota every row spells out — never so narrow that a word of
    its header breaks."""
    printed = len(order) - len(columns.AMOUNTS)
    squeezable = [n for n in range(printed) if _narrows(order[n])]
    floors = {
        n: max(
            QUOTA_FLOOR if _is_quota(order[n]) else MIN_WRAPPED_WIDTH,
            *(len(w) + 1 for w in names[n].split()),
        )
        for n in squeezable
    }
    sample = [column[:SQUEEZE_SAMPLE] for column in texts]
    lines = {n: [_lines_of_length(len(t), widths[n]) for t in sample[n]] for n in squeezable}
    heights = [max(found) for found in zip(*lines.values(), strict=True)] if lines else []
    while sum(widths[:printed]) > PRINTED_WIDTH:
        best: tuple[int, int, list[int]] | None = None
        for n in squeezable:
            if widths[n] <= floors[n]:
                continue
            narrower = [_lines_of_length(len(t), widths[n] - 1) for t in sample[n]]
            grown = sum(max(h, k) - h for h, k in zip(heights, narrower, strict=True))
            if best is None or (grown, -widths[n]) < (best[0], -widths[best[1]]):
                best = (grown, n, narrower)
        if best is None:
            return  # as narrow as words can be read; the page is as small as it must be
        _, n, narrower = best
        widths[n] -= 1
        heights = [max(h, k) for h, k in zip(heights, narrower, strict=True)]


def _is_quota(column: columns.Column | str) -> bool:
    return isinstance(column, columns.Column) and column.quota is not None


def _narrows(column: columns.Column | str) -> bool:
    return isinstance(column, str) or column.key in ("source", "error", "before", "after")


def _totals(rows: Sequence[RowResult]) -> tuple[Decimal, Decimal, Decimal]:
    """Sums of limits over planned rows: before, as planned, and as things stand now
    (the new limit where the change was applied, the old one where it was not)."""
    before = planned = now = Decimal(0)
    for row in rows:
        if row.action in (ActionKind.INVALID, ActionKind.SKIPPED):
            continue
        old = row.before.limit if row.before else Decimal(0)
        new = row.after.limit if row.after else Decimal(0)
        before += old
        planned += new
        now += new if row.outcome.good else old
    return before, planned, now


def _summary_sheet(
    sheet: Worksheet, result: RunResult, meta: ReportMeta, formats: _Formats
) -> None:
    facts = summary(result, meta)
    lang = meta.lang
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 1, 60)
    sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)
    line = 0
    label_look = formats.header

    def put(label: str, value: object, look: Format | None = None) -> None:
        nonlocal line
        sheet.write_string(line, 0, label, label_look)
        if isinstance(value, int | Decimal):
            sheet.write_number(line, 1, float(value), look)
        else:
            sheet.write_string(line, 1, "" if value is None else str(value), look)
        line += 1

    for key in ("run_id", "account", "operator"):
        put(word(key, lang), facts[key])
    put(word("status", lang), run_status_word(result.status, lang))
    for key in ("started_at", "finished_at"):  # the journal's UTC, in the account's zone
        put(word(key, lang), moment(facts[key], lang))
    put(word("inputs", lang), ", ".join(facts["inputs"]))
    if facts["note"]:
        put(word("note", lang), facts["note"])
    put(word("quotabulk", lang), facts["quotabulk_version"])
    line += 1
    put(word("rows", lang), facts["rows"])
    for outcome_value, count in facts["outcomes"].items():
        outcome = Outcome(outcome_value)
        label = word("outcome_of", lang).format(word=outcome_word(outcome, lang))
        put(label, count, formats.cell(outcome))
    for kind_value, count in facts["actions"].items():
        label = word("action_of", lang).format(word=action_word(ActionKind(kind_value), lang))
        put(label, count)
    line += 1
    money = formats.cell(None, formats.money())
    for key, total in zip(
        ("total_before", "total_planned", "total_now"), _totals(result.rows), strict=True
    ):
        put(word(key, lang), total, money)
    for part in result.parts:  # several accounts: each one's run, counts and sums
        line += 1
        put(word("account", lang), part.account, formats.header)
        put(word("run_id", lang), part.run_id)
        put(word("status", lang), run_status_word(part.status, lang))
        put(word("rows", lang), len(part.rows))
        for outcome_value, count in part.counts().items():
            if count:
                outcome = Outcome(outcome_value)
                label = word("outcome_of", lang).format(word=outcome_word(outcome, lang))
                put(label, count, formats.cell(outcome))
        for key, total in zip(
            ("total_before", "total_planned", "total_now"), _totals(part.rows), strict=True
        ):
            put(word(key, lang), total, money)
    upcoming = sorted(
        (
            (day, row)
            for row in result.rows
            if row.outcome is Outcome.SCHEDULED and (day := scheduled_day(row.error)) is not None
        ),
        key=lambda found: (found[0], found[1].msisdn),
    )
    if upcoming:  # the periods' calendar: what later nights will send, by day
        line += 1
        put(word("upcoming", lang), "")
        for day, row in upcoming:
            put(day_text(day), f"{row.msisdn}: {row.error} [{row.source}]")

"""Every problem of an upload as an `.xlsx` (the page shows the first hundred)."""

from __future__ import annotations

from pathlib import Path

from quotabulk.domain.models import InvalidRow
from quotabulk.formats.reports.columns import inert


def write_problems(target: Path, invalid: list[InvalidRow]) -> None:
    """Every problem of an upload, in the file's own words (English, like the CLI): the
    page renders the first hundred in the reader's language."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    sheet = book.add_worksheet("errors")
    bold = book.add_format({"bold": True, "bg_color": "#D9E1F2"})
    for column, (name, width) in enumerate((("source", 40), ("column", 24), ("message", 80))):
        sheet.write_string(0, column, name, bold)
        sheet.set_column(column, column, width)
    line = 1
    uploaded = {str(path): path.name for path in target.parent.glob("*/*")}
    for row in invalid:
        for problem in row.problems:
            cells = (problem.source, problem.column or "", problem.message)
            for column, text in enumerate(cells):
                sheet.write_string(line, column, inert(_names_only(text, uploaded)))
            line += 1
    sheet.freeze_panes(1, 0)
    book.close()


def _names_only(text: str, uploaded: dict[str, str]) -> str:
    """The file's name as the user gave it, never where the server keeps it."""
    for path, name in uploaded.items():
        if path in text:
            text = text.replace(path, name)
    return text

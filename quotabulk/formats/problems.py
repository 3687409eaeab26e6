"""Every problem of an upload as an `.xlsx` (the page shows the first hundred)."""

from __future__ import annotations

from pathlib import Path

from quotabulk.domain.language import Language
from quotabulk.domain.messages import C_
from quotabulk.domain.models import InvalidRow
from quotabulk.formats.reports.columns import inert
from quotabulk.i18n import p_, say

# The sheet's and the columns' names, marked for the catalogue.
WORDS = (
    C_("problems", "errors"),
    C_("problems", "source"),
    C_("problems", "column"),
    C_("problems", "message"),
)


def write_problems(target: Path, invalid: list[InvalidRow], lang: Language) -> None:
    """Every problem of an upload, in the server's language (the page renders the first
    hundred in the reader's)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    sheet = book.add_worksheet(p_("problems", "errors", lang))
    bold = book.add_format({"bold": True, "bg_color": "#D9E1F2"})
    names = (("source", 40), ("column", 24), ("message", 80))
    for column, (name, width) in enumerate(names):
        sheet.write_string(0, column, p_("problems", name, lang), bold)
        sheet.set_column(column, column, width)
    line = 1
    uploaded = {str(path): path.name for path in target.parent.glob("*/*")}
    for row in invalid:
        for problem in row.problems:
            cells = (problem.source, problem.column or "", say(problem.text, lang))
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

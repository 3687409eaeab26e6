"""The pre-scan of an old Excel workbook (`.xls`), with xlrd: error cells, number formats,
hidden rows and columns, merges. An `.xls` holds at most 65 536 rows, so reading it
whole once more costs little; formulas in it always carry their saved values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlrd  # type: ignore[import-untyped]

from quotabulk.formats.inputs.facts import CellFact, CellKind, Merge, SheetFacts, WorkbookFacts
from quotabulk.formats.inputs.numformats import BUILT_IN, FormatKind, classify


def scan_xls(path: Path) -> WorkbookFacts:
    """Facts by sheet name; raises xlrd's errors for a file it cannot read (calamine
    names the reason then)."""
    book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    try:
        kinds = _format_kinds(book)
        return {name: _sheet(book.sheet_by_name(name), kinds) for name in book.sheet_names()}
    finally:
        book.release_resources()


def _format_kinds(book: Any) -> dict[int, tuple[str, FormatKind]]:
    """xf index → (format code, kind) for the formats that do not show rubles."""
    found = {}
    for index, xf in enumerate(book.xf_list):
        number = xf.format_key
        fmt = book.format_map.get(number)
        code = fmt.format_str if fmt is not None else ""
        kind = classify(code) if code else BUILT_IN.get(number)
        if kind is not None:
            found[index] = (code, kind)
    return found


def _sheet(sheet: Any, kinds: dict[int, tuple[str, FormatKind]]) -> SheetFacts:
    facts = SheetFacts()
    facts.hidden_rows = {r + 1 for r, info in sheet.rowinfo_map.items() if info.hidden}
    facts.hidden_columns = {c for c, info in sheet.colinfo_map.items() if info.hidden}
    facts.merges = [  # xlrd's ranges end one past their last row and column
        Merge(top + 1, left, bottom, right - 1) for top, bottom, left, right in sheet.merged_cells
    ]
    # xlrd keeps each row's xf indexes (formatting_info) without a public accessor.
    for row in range(sheet.nrows):
        types = sheet.row_types(row)
        for column, xf in enumerate(sheet._cell_xf_indexes[row] if kinds else ()):
            if xf in kinds and types[column] in (xlrd.XL_CELL_NUMBER, xlrd.XL_CELL_DATE):
                code, kind = kinds[xf]
                facts.cells[(row + 1, column)] = CellFact(CellKind.FORMAT, "", code, kind)
        for column, kind in enumerate(types):
            if kind == xlrd.XL_CELL_ERROR:
                shown = xlrd.error_text_from_code.get(sheet.cell_value(row, column), "#VALUE!")
                facts.cells[(row + 1, column)] = CellFact(CellKind.ERROR, shown)
    return facts

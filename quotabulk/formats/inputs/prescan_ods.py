"""The pre-scan of an OpenDocument spreadsheet (`.ods`): its `content.xml`, streamed.

An `.ods` keeps, beside each cell's value, the text the cell shows (`<text:p>`), so the
rule "read as the person sees it" is checked directly: a money-like cell whose shown text
is not its value (a percent, a date, a scaled or rounded number) is a fact, and so is
an error (`calcext:value-type="error"`, LibreOffice's `Err:502` or `#REF!`). Rows hidden by
hand (`table:visibility="collapse"`) or by a filter (`"filter"`), hidden columns and
merged cells (`number-columns-spanned`) come from the same pass.

It is read with expat's callbacks, not ElementTree: no element objects are built for the
hundreds of thousands of cells (100k rows: 7.8 s with `iterparse`, see the README).
"""

from __future__ import annotations

import html
import re
import zipfile
from decimal import Decimal, InvalidOperation
from xml.parsers import expat

from quotabulk.formats.inputs.facts import CellFact, CellKind, Merge, SheetFacts, WorkbookFacts
from quotabulk.formats.inputs.numformats import FormatKind

# Names as the file writes them: every writer of `.ods` uses the specification's prefixes
# (checked in `_prefixes_are_standard`), and expat's namespace processing would cost a
# third of the parse.
_TABLE = "table:"
_OFFICE = "office:"
_TEXT = "text:"
_CALCEXT = "calcext:"

_CELL = f"{_TABLE}table-cell"
_COVERED = f"{_TABLE}covered-table-cell"
_ROW = f"{_TABLE}table-row"
_COLUMN = f"{_TABLE}table-column"
_PARAGRAPH = f"{_TEXT}p"
_SHEET = f"{_TABLE}table"
_DATABASE_RANGE = f"{_TABLE}database-range"
_VALUE_TYPE = f"{_OFFICE}value-type"
_VALUE = f"{_OFFICE}value"
_ERROR_TYPE = f"{_CALCEXT}value-type"
_FORMULA = f"{_TABLE}formula"
_VISIBILITY = f"{_TABLE}visibility"
# Attribute names of counts, made once: the start of every cell looks them up.
_COLUMNS_REPEATED = f"{_TABLE}number-columns-repeated"
_ROWS_REPEATED = f"{_TABLE}number-rows-repeated"
_COLUMNS_SPANNED = f"{_TABLE}number-columns-spanned"
_ROWS_SPANNED = f"{_TABLE}number-rows-spanned"
_HIDDEN = ("collapse", "filter")
_KINDS = {"percentage": FormatKind.PERCENT, "date": FormatKind.DATE, "time": FormatKind.DATE}
# The value types whose shown text is compared with the value; strings are shown as
# they are, and are not collected.
_LOOKED_AT = frozenset({"float", "currency", *_KINDS})
# Beyond this a repeated row or column is the sheet's empty rest, not data.
_MOST = 1_048_576


class DeclaresEntities(ValueError):
    """A `content.xml` with a document type: no office suite writes one, and its entities
    are how an XML bomb is made."""


_STANDARD = (
    b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"',
    b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"',
    b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"',
)
# Anything that makes a fact; a sheet with none of them (and whose numbers all show as
# their values) needs no parse at all.
_TRIGGERS = (
    b'value-type="error"',
    b'value-type="percentage"',
    b'value-type="date"',
    b'value-type="time"',
    b'visibility="collapse"',
    b'visibility="filter"',
    b"number-columns-spanned=",
    b"number-rows-spanned=",
    b"table:formula=",
    b"display-filter-buttons",
)
# A number's value and the text shown for it (percentages and dates are triggers above).
_NUMBERS = re.compile(rb'office:value="([^"]*)"[^>]*><text:p>([^<]*)<')
_TABLE_NAME = re.compile(rb'<table:table table:name="([^"]*)"')


def scan_ods(archive: zipfile.ZipFile) -> WorkbookFacts:
    with archive.open("content.xml") as handle:
        data = handle.read()
    if b"<!DOCTYPE" in data[:4096]:
        raise DeclaresEntities("content.xml declares a document type")
    head = data[:8192]
    if not all(prefix in head for prefix in _STANDARD):
        raise DeclaresEntities("content.xml does not use the OpenDocument prefixes")
    if not any(trigger in data for trigger in _TRIGGERS) and _all_shown_as_values(data):
        return {
            html.unescape(n.decode("utf-8", "replace")): SheetFacts()
            for n in _TABLE_NAME.findall(data)
        }
    return _parse(data)


def _all_shown_as_values(data: bytes) -> bool:
    return all(
        value == shown or _shows_value(shown.decode("utf-8", "replace"), value.decode())
        for value, shown in _NUMBERS.findall(data)
    )


def _parse(data: bytes) -> WorkbookFacts:
    scan = _Scan()
    parser = expat.ParserCreate()
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.CharacterDataHandler = scan.text
    parser.buffer_text = True
    # A DOCTYPE is refused above; expat ≥ 2.4 (here 2.5) also limits entity expansion.
    parser.Parse(data, True)
    return scan.found


class _Scan:
    """Where the parse is (sheet, row, column) and the cell being read."""

    def __init__(self) -> None:
        self.found: WorkbookFacts = {}
        self.facts = SheetFacts()
        self.row = self.column = 0
        self.row_hidden = False
        self.row_repeat = 1
        self.row_filled = False
        self.repeat = 1  # how many columns the current cell stands for
        self.cell: dict[str, str] | None = None  # attributes of a cell whose text counts
        self.shown: list[str] = []
        self.paragraphs = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == _CELL:
            self.repeat = _count(attributes, _COLUMNS_REPEATED)
            self._start_cell(attributes)
        elif name == _COVERED:
            self.repeat = _count(attributes, _COLUMNS_REPEATED)
        elif name == _PARAGRAPH:
            if self.cell is not None and self.paragraphs:
                self.shown.append("\n")
            self.paragraphs += 1
        elif name == _ROW:
            self.column = 0
            self.row_hidden = attributes.get(_VISIBILITY) in _HIDDEN
            self.row_repeat = _count(attributes, _ROWS_REPEATED)
            self.row_filled = False
        elif name == _COLUMN:
            repeat = _count(attributes, _COLUMNS_REPEATED)
            if attributes.get(_VISIBILITY) in _HIDDEN and repeat < 1000:
                self.facts.hidden_columns.update(range(self.column, self.column + repeat))
            self.column += repeat
        elif name == _SHEET:
            self.facts = self.found.setdefault(attributes.get(f"{_TABLE}name", ""), SheetFacts())
            self.row = self.column = 0
        elif name == _DATABASE_RANGE and attributes.get(f"{_TABLE}display-filter-buttons"):
            self._filtered(attributes)

    def _start_cell(self, attributes: dict[str, str]) -> None:
        row, column = self.row + 1, self.column
        across = _count(attributes, _COLUMNS_SPANNED)
        down = _count(attributes, _ROWS_SPANNED)
        if across > 1 or down > 1:
            self.facts.merges.append(Merge(row, column, row + down - 1, column + across - 1))
        kind = attributes.get(_VALUE_TYPE)
        self.cell = None
        self.paragraphs = 0
        if kind is None:
            if attributes.get(_FORMULA):
                self.facts.cells[(row, column)] = CellFact(CellKind.NO_VALUE)
            return
        self.row_filled = True
        if kind in _LOOKED_AT or attributes.get(_ERROR_TYPE) == "error":
            self.cell = attributes
            self.shown = []

    def text(self, data: str) -> None:
        if self.cell is not None and self.paragraphs:
            self.shown.append(data)

    def end(self, name: str) -> None:
        if name == _CELL:
            cell, self.cell = self.cell, None
            if cell is not None:
                _cell(self.facts, cell, "".join(self.shown), self.row + 1, self.column)
            self.column += self.repeat
        elif name == _COVERED:
            self.column += self.repeat
        elif name == _ROW:
            if self.row_hidden and self.row_filled:
                first = self.row + 1
                self.facts.hidden_rows.update(range(first, first + min(self.row_repeat, 1000)))
            self.row += self.row_repeat

    def _filtered(self, attributes: dict[str, str]) -> None:
        """A database range with filter buttons: its sheet has an autofilter."""
        target = attributes.get(f"{_TABLE}target-range-address", "")
        sheet = target.split(".", 1)[0].strip("$'")
        self.found.setdefault(sheet, SheetFacts()).filtered = True


def _count(attributes: dict[str, str], name: str) -> int:
    given = attributes.get(name)
    if given is None:
        return 1
    try:
        return max(1, min(int(given), _MOST))
    except ValueError:
        return 1


def _cell(facts: SheetFacts, attributes: dict[str, str], shown: str, row: int, column: int) -> None:
    if attributes.get(_ERROR_TYPE) == "error":
        facts.cells[(row, column)] = CellFact(CellKind.ERROR, shown or "#VALUE!")
        return
    kind = attributes.get(_VALUE_TYPE, "")
    if kind in _KINDS:
        facts.cells[(row, column)] = CellFact(CellKind.FORMAT, shown, "", _KINDS[kind])
    elif not _shows_value(shown, attributes.get(_VALUE, "")):
        facts.cells[(row, column)] = CellFact(CellKind.FORMAT, shown, "", FormatKind.SCALED)


# What may stand beside the digits of an amount in rubles as a cell shows it.
_CURRENCY = re.compile(r"₽|руб\.?|р\.|rub|rur|\s", re.IGNORECASE)
_NUMBER = re.compile(r"-?[0-9][0-9.,]*")


def _shows_value(shown: str, value: str) -> bool:
    """Whether the text shown reads as the cell's value: `1 500,00 ₽` or `1,500.00` for
    1500 does; `1,5 тыс.`, `80%` or a rounded `1500,46` for 1500.456 does not. The
    viewer's locale decides the separators, so either reading of them counts."""
    if shown == value:  # the common case: `1500` shown for 1500
        return True
    try:
        number = Decimal(value)
    except InvalidOperation:
        return True  # nothing to compare: the value is what calamine will read
    bare = _CURRENCY.sub("", shown)
    if not _NUMBER.fullmatch(bare):
        return False
    return number in _readings(bare)


def _readings(bare: str) -> set[Decimal]:
    """The numbers `bare` can mean: `1,500` is 1500 or 1.5; `1.500,5` is 1500.5."""
    readings = set()
    for decimal, group in ((".", ","), (",", ".")):
        text = bare.replace(group, "")
        if text.count(decimal) > 1:
            continue
        try:
            readings.add(Decimal(text.replace(decimal, ".")))
        except InvalidOperation:
            continue
    return readings

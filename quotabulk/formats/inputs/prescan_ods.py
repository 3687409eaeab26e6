"""The pre-scan of an OpenDocument spreadsheet (`.ods`): its `content.xml`, streamed.

An `.ods` keeps, beside each cell's value, the text the cell shows (`<text:p>`), so the
rule "read as the person sees it" is checked directly: a money-like cell whose shown text
is not its value (a percent, a date, a scaled or rounded number) is a fact, and so is
an error (`calcext:value-type="error"`, LibreOffice's `Err:502` or `#REF!`). Rows hidden by
hand (`table:visibility="collapse"`) or by a filter (`"filter"`), hidden columns and
merged cells (`number-columns-spanned`) come from the same pass.
"""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, iterparse

from quotabulk.formats.inputs.facts import CellFact, CellKind, Merge, SheetFacts, WorkbookFacts
from quotabulk.formats.inputs.numformats import FormatKind

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"

_CELLS = (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell")
_HIDDEN = ("collapse", "filter")
_KINDS = {"percentage": FormatKind.PERCENT, "date": FormatKind.DATE, "time": FormatKind.DATE}
# Beyond this a repeated row or column is the sheet's empty rest, not data.
_MOST = 1_048_576


class DeclaresEntities(ValueError):
    """A `content.xml` with a document type: no office suite writes one, and its entities
    are how an XML bomb is made."""


def scan_ods(archive: zipfile.ZipFile) -> WorkbookFacts:
    with archive.open("content.xml") as handle:
        if b"<!DOCTYPE" in handle.read(4096):
            raise DeclaresEntities("content.xml declares a document type")
    found: WorkbookFacts = {}
    facts = SheetFacts()
    row = column = 0
    with archive.open("content.xml") as handle:
        # expat ≥ 2.4 (here 2.5) limits entity expansion, and a DOCTYPE is refused above.
        for event, element in iterparse(handle, events=("start", "end")):  # noqa: S314
            tag = element.tag
            if event == "start":
                if tag == f"{_TABLE}table":
                    facts = found.setdefault(element.get(f"{_TABLE}name", ""), SheetFacts())
                    row = column = 0
                elif tag == f"{_TABLE}table-row":
                    column = 0
                elif tag == f"{_TABLE}database-range" and element.get(
                    f"{_TABLE}display-filter-buttons"
                ):
                    _filtered(found, element)
                continue
            if tag in _CELLS:
                repeat = _count(element, "number-columns-repeated")
                if tag == _CELLS[0]:
                    _cell(facts, element, row + 1, column)
                column += repeat
                element.clear()
            elif tag == f"{_TABLE}table-row":
                repeat = _count(element, "number-rows-repeated")
                if element.get(f"{_TABLE}visibility") in _HIDDEN and len(element):
                    facts.hidden_rows.update(range(row + 1, row + 1 + min(repeat, 1000)))
                row += repeat
                element.clear()
            elif tag == f"{_TABLE}table-column":
                repeat = _count(element, "number-columns-repeated")
                if element.get(f"{_TABLE}visibility") in _HIDDEN and repeat < 1000:
                    facts.hidden_columns.update(range(column, column + repeat))
                column += repeat
    return found


def _count(element: Element, name: str) -> int:
    try:
        return max(1, min(int(element.get(f"{_TABLE}{name}", "1")), _MOST))
    except ValueError:
        return 1


def _cell(facts: SheetFacts, element: Element, row: int, column: int) -> None:
    across = _count(element, "number-columns-spanned")
    down = _count(element, "number-rows-spanned")
    if across > 1 or down > 1:
        facts.merges.append(Merge(row, column, row + down - 1, column + across - 1))
    kind = element.get(f"{_OFFICE}value-type")
    if kind is None:
        if element.get(f"{_TABLE}formula"):
            facts.cells[(row, column)] = CellFact(CellKind.NO_VALUE)
        return
    shown = "\n".join("".join(p.itertext()) for p in element.iter(f"{_TEXT}p"))
    if element.get(f"{_CALCEXT}value-type") == "error":
        facts.cells[(row, column)] = CellFact(CellKind.ERROR, shown or "#VALUE!")
    elif kind in _KINDS:
        facts.cells[(row, column)] = CellFact(CellKind.FORMAT, shown, "", _KINDS[kind])
    elif kind in ("float", "currency") and not _shows_value(shown, element):
        facts.cells[(row, column)] = CellFact(CellKind.FORMAT, shown, "", FormatKind.SCALED)


# What may stand beside the digits of an amount in rubles as a cell shows it.
_CURRENCY = re.compile(r"₽|руб\.?|р\.|rub|rur|\s", re.IGNORECASE)
_NUMBER = re.compile(r"-?[0-9][0-9.,]*")


def _shows_value(shown: str, element: Element) -> bool:
    """Whether the text shown reads as the cell's value: `1 500,00 ₽` or `1,500.00` for
    1500 does; `1,5 тыс.`, `80%` or a rounded `1500,46` for 1500.456 does not. The
    viewer's locale decides the separators, so either reading of them counts."""
    try:
        value = Decimal(element.get(f"{_OFFICE}value", ""))
    except InvalidOperation:
        return True  # nothing to compare: the value is what calamine will read
    bare = _CURRENCY.sub("", shown)
    if not _NUMBER.fullmatch(bare):
        return False
    return value in _readings(bare)


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


def _filtered(found: WorkbookFacts, element: Element) -> None:
    """A database range with filter buttons: its sheet has an autofilter."""
    target = element.get(f"{_TABLE}target-range-address", "")
    sheet = target.split(".", 1)[0].strip("$'")
    if sheet in found:
        found[sheet].filtered = True
    else:
        found[sheet] = SheetFacts(filtered=True)

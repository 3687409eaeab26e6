"""A cheap look at a workbook's own bytes before any reader touches it: what the reader
cannot be trusted with is refused here, in one sentence, in well under a second.

python-calamine allocates a sheet as one rectangle from A1 to its farthest real cell: a
1.6 KB `.xlsx` with one cell at XFD1048576 asks for 549 GB, and the process dies with
SIGABRT (not an exception a Python program can catch). A sheet's `<dimension>` may lie,
so the real cell references are read (`<c r="…">`, streamed a chunk at a time): a sheet
whose rectangle is beyond `MAX_AREA` cells is refused, naming its farthest cell. A cell
longer than Excel's own 32 767 characters cannot come from Excel either.

This is the pre-scan layer. In the same pass it collects what calamine cannot tell (see
`facts`): error values (`t="e"`), formulas without a saved value (`<f>` and no `<v>`),
cells whose style has a percent, date or scaled number format, hidden rows
(`hidden="1"`, or `"true"`: LibreOffice writes `hidden="false"` on every row), hidden
columns, merged ranges and an autofilter. Each is found by `bytes` searches that cost a
few milliseconds a megabyte; regular expressions run only where a search found something.
`prescan_ods` and `prescan_xls` give the same facts for `.ods` and `.xls`.
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from quotabulk.formats.inputs.facts import (
    CellFact,
    CellKind,
    Merge,
    SheetFacts,
    WorkbookFacts,
    column_letters,
)
from quotabulk.formats.inputs.numformats import BUILT_IN, FormatKind, classify

# A sheet holds at most 1 048 576 rows in Excel and LibreOffice alike: more is made by
# hand to hurt (five million rows zip to 1.3 MB and took 3.3 GB to read).
MAX_ROWS = 1_048_576
# The reader allocates ~32 bytes a cell of the rectangle: 1 048 576 rows × 16 columns is
# 0.5 GB, within the 1.5 GB any file may take to read and plan; a million-row sheet of
# quotas with its names and departments fits.
MAX_AREA = MAX_ROWS * 16
MAX_CELL_CHARS = 32_767  # Excel's own limit for a cell's text
CHUNK = 1 << 20
# Cells beyond column P (the 16th): only they can make a sheet of at most MAX_ROWS rows
# too big, and a sheet of quotas has none, so this search finds nothing to convert.
_WIDE = re.compile(rb'<c r="([Q-Z]|[A-Z]{2,3})([0-9]{1,7})"')
_ROW = re.compile(rb'<row r="([0-9]{1,9})"')
_SHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
_STRINGS = "xl/sharedStrings.xml"
_LONG = MAX_CELL_CHARS * 4  # bytes: UTF-8 takes at most 4 a character


@dataclass(frozen=True)
class Extent:
    """How far a sheet's real cells reach, and how many there are."""

    rows: int = 0
    columns: int = 0
    cells: int = 0

    @property
    def area(self) -> int:
        return self.rows * self.columns


class TooFar(ValueError):
    """A sheet whose cells reach farther than a reader may allocate."""


class TooLong(ValueError):
    """A cell longer than any spreadsheet writes."""


def column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def check_workbook(archive: zipfile.ZipFile) -> WorkbookFacts:
    """Raise `TooFar` or `TooLong` (their words name the cell or the limit); else the
    facts of every sheet, by sheet name."""
    names = _sheet_names(archive)
    styles = _format_styles(archive)
    found: WorkbookFacts = {}
    for info in archive.infolist():
        if _SHEET.match(info.filename):
            texts = LongTexts()
            scan = FactScan(styles)
            extent = sheet_extent(texts.watch(_chunks(archive, info.filename)), scan)
            if extent.rows > MAX_ROWS:
                raise TooFar(
                    f"a sheet has more rows than any spreadsheet holds ({MAX_ROWS}); "
                    "this is not a list of quotas"
                )
            if extent.area > MAX_AREA:
                far = f"{column_letters(extent.columns)}{extent.rows}"
                raise TooFar(
                    f"a sheet reaches cell {far} with only {extent.cells} cells filled; a "
                    "reader would need the whole rectangle up to it: delete the far cells "
                    "(Ctrl+End shows where the sheet ends) and save again"
                )
            found[names.get(info.filename, info.filename)] = scan.facts
        elif info.filename == _STRINGS:
            for _ in LongTexts().watch(_chunks(archive, info.filename)):
                pass
    return found


# Where a chunk may be cut: the start of an element the scan reads whole. Everything
# before the last of them is complete; the rest is read with the next chunk.
_CUTS = (b"<c ", b"<row ", b"<col ", b"<mergeCell ", b"</sheetData>")
_CARRY_AT_MOST = 8 * CHUNK  # a chunk of XML with none of them is not a sheet of quotas


def sheet_extent(chunks: Iterator[bytes], scan: FactScan | None = None) -> Extent:
    """How far the cells reach, read at the speed of `bytes.count` and one regular
    expression: rows come in ascending order, so a chunk's last `<row r=…>` is its
    farthest; only columns beyond the 16th can make a sheet too big (`_WIDE`). `scan`
    reads the same chunks for the facts calamine does not report."""
    rows = columns = cells = 0
    tail = b""
    for chunk in chunks:
        data = tail + chunk
        cut = _cut(data)
        body, tail = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
        rows, columns, cells = _extent_of(body, rows, columns, cells)
        if scan is not None:
            scan.read(body)
        if rows > MAX_ROWS:  # enough is known: the rest need not be read
            break
    rows, columns, cells = _extent_of(tail, rows, columns, cells)
    if scan is not None:
        scan.read(tail)
    return Extent(rows, columns, cells)


def _cut(data: bytes) -> int:
    window = max(0, len(data) - 65_536)
    cut = max(data.rfind(token, window) for token in _CUTS)
    if cut > 0:
        return cut
    if len(data) < _CARRY_AT_MOST:
        return len(data)  # all of it waits for the next chunk (or the end)
    # Every reference starts with "<": a cut at the last "<" near the end splits none.
    return data.rfind(b"<", max(0, len(data) - 64))


def _extent_of(body: bytes, rows: int, columns: int, cells: int) -> tuple[int, int, int]:
    cells += body.count(b"<c ")
    last = body.rfind(b'<row r="')
    if last >= 0:
        found = _ROW.match(body, last)
        if found is not None:
            rows = max(rows, int(found[1]))
    for letters, row in _WIDE.findall(body):
        rows = max(rows, int(row))
        columns = max(columns, column_number(letters))
    if cells and not columns:
        columns = 1  # none beyond P: never too big (16 × MAX_ROWS = MAX_AREA)
    return rows, columns, cells


class LongTexts:
    """Watches chunks go by and refuses a text longer than any cell holds: a run of
    bytes with no markup in it."""

    def __init__(self) -> None:
        self.carry = 0  # the run of text at the end of the chunks seen so far

    def watch(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            first = chunk.find(b"<")
            if first < 0:
                self.carry += len(chunk)
            else:
                if self.carry + first > _LONG or _longest_run_over(chunk, _LONG):
                    self.carry = _LONG + 1
                else:
                    self.carry = len(chunk) - chunk.rfind(b"<") - 1
            if self.carry > _LONG:
                raise TooLong(
                    f"a cell holds more than {MAX_CELL_CHARS} characters, more than any "
                    "spreadsheet writes; this is not a list of quotas"
                )
            yield chunk


def _longest_run_over(chunk: bytes, limit: int) -> bool:
    """Whether `chunk` holds a run of more than `limit` bytes without a "<". Such a run
    covers a whole window of `limit // 2` bytes, so one `find` per window tells (a
    chunk of XML has a "<" within a few bytes of any place): 16 calls a megabyte, not a
    look at every byte from Python."""
    step = limit // 2
    for start in range(0, len(chunk), step):
        if chunk.find(b"<", start, start + step) >= 0:
            continue
        begin = chunk.rfind(b"<", 0, start) + 1
        end = chunk.find(b"<", start + step)
        if (len(chunk) if end < 0 else end) - begin > limit:
            return True
    return False


def _chunks(archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    with archive.open(name) as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


# --- the facts calamine does not report -------------------------------------------------

_ROW_HIDDEN = re.compile(rb'<row r="([0-9]+)"[^>]*? hidden="(?:1|true)"')
_COL_HIDDEN = re.compile(rb"<col ([^>]*)/?>")
_ATTRIBUTE = re.compile(rb'([a-zA-Z:]+)="([^"]*)"')
_ERROR_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*? t="e"[^>]*>(.*?)</c>')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
# A formula element and no `<v>` after it: `</f></c>`, `<f …/></c>`, or openpyxl's `<v />`.
_NO_VALUE_END = re.compile(rb"(?:</f>|<f [^>]*/>)(?:<v\s*/>)?</c>")
_ADDRESS = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_MERGE = re.compile(rb'<mergeCell ref="([A-Z]{1,3})([0-9]{1,7}):([A-Z]{1,3})([0-9]{1,7})"')


class FactScan:
    """Collects one sheet's facts from its XML, a complete run of elements at a time."""

    def __init__(self, styles: dict[int, tuple[str, FormatKind]]) -> None:
        self.styles = styles
        self.facts = SheetFacts()
        self.past_data = False  # merges and the autofilter follow `</sheetData>`
        self.style_facts: dict[bytes, CellFact] = {}
        self.styled = (
            re.compile(
                rb'<c r="([A-Z]{1,3})([0-9]{1,7})"(?: [a-z]+="[^"]*")*? s="('
                + b"|".join(str(i).encode() for i in sorted(styles))
                + rb')"'
            )
            if styles
            else None
        )

    def read(self, body: bytes) -> None:
        facts = self.facts
        if b'hidden="1"' in body or b'hidden="true"' in body:
            facts.hidden_rows.update(int(r) for r in _ROW_HIDDEN.findall(body))
            self._hidden_columns(body)
        if b't="e"' in body:
            for letters, row, inner in _ERROR_CELL.findall(body):
                value = _VALUE.search(inner)
                shown = value[1].decode("utf-8", "replace") if value else "#VALUE!"
                facts.cells[_key(letters, row)] = CellFact(CellKind.ERROR, shown)
        if b"<f" in body and (b"</f></c>" in body or b"/></c>" in body):
            for end in _NO_VALUE_END.finditer(body):
                start = body.rfind(b'<c r="', 0, end.start())
                address = _ADDRESS.match(body, start) if start >= 0 else None
                if address is not None:
                    facts.cells[_key(address[1], address[2])] = CellFact(CellKind.NO_VALUE)
        if self.styled is not None:
            shared = self.style_facts  # one fact per style: a column of dates is many cells
            for letters, row, style in self.styled.findall(body):
                key = _key(letters, row)
                if key not in facts.cells:
                    fact = shared.get(style)
                    if fact is None:
                        code, kind = self.styles[int(style)]
                        fact = shared[style] = CellFact(CellKind.FORMAT, "", code, kind)
                    facts.cells[key] = fact
        if not self.past_data:
            # Looked for after the body's last row only: a search from the end that stops
            # within a row in a body of rows.
            self.past_data = body.find(b"</sheetData>", max(0, body.rfind(b"</row>"))) >= 0
            if not self.past_data:
                return
        if b"<mergeCell " in body:
            for first, top, last, bottom in _MERGE.findall(body):
                facts.merges.append(
                    Merge(
                        int(top),
                        column_number(first) - 1,
                        int(bottom),
                        column_number(last) - 1,
                    )
                )
        if b"<autoFilter" in body:
            facts.filtered = True

    def _hidden_columns(self, body: bytes) -> None:
        for attributes in _COL_HIDDEN.findall(body):
            values = dict(_ATTRIBUTE.findall(attributes))
            if values.get(b"hidden") in (b"1", b"true"):
                low, high = int(values.get(b"min", b"1")), int(values.get(b"max", b"1"))
                # A hidden range to the sheet's edge (XFD) names only what is used.
                self.facts.hidden_columns.update(range(low - 1, min(high, 16_384)))


def _key(letters: bytes, row: bytes) -> tuple[int, int]:
    return int(row), column_number(letters) - 1


_WORKBOOK_SHEET = re.compile(r"<sheet ([^>]*?)/?>")
_RELATION = re.compile(r"<Relationship ([^>]*?)/?>")


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet file → sheet name, from `workbook.xml` and its relationships (attributes in
    any order, as writers differ)."""
    try:
        workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        relations = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = {}
    for attributes in _RELATION.findall(relations):
        found = dict(_ATTRIBUTE_TEXT.findall(attributes))
        targets[found.get("Id", "")] = found.get("Target", "")
    names = {}
    for attributes in _WORKBOOK_SHEET.findall(workbook):
        found = dict(_ATTRIBUTE_TEXT.findall(attributes))
        target = targets.get(found.get("r:id", ""), "")
        path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        names[path] = html.unescape(found.get("name", ""))
    return names


_NUMBER_FORMAT = re.compile(r'<numFmt [^>]*?numFmtId="([0-9]+)"[^>]*? formatCode="([^"]*)"')
_CELL_XFS = re.compile(r"<cellXfs[^>]*>(.*?)</cellXfs>", re.DOTALL)
_XF = re.compile(r"<xf ([^>]*)>|<xf ([^>]*)/>")


def _format_styles(archive: zipfile.ZipFile) -> dict[int, tuple[str, FormatKind]]:
    """Style index → (format code, kind) for the styles whose number format would not
    show a money cell as rubles."""
    try:
        styles = archive.read("xl/styles.xml").decode("utf-8", "replace")
    except KeyError:
        return {}
    codes = {int(i): html.unescape(code) for i, code in _NUMBER_FORMAT.findall(styles)}
    block = _CELL_XFS.search(styles)
    if block is None:
        return {}
    found: dict[int, tuple[str, FormatKind]] = {}
    for index, (open_tag, empty_tag) in enumerate(_XF.findall(block[1])):
        attributes = dict(_ATTRIBUTE_TEXT.findall(open_tag or empty_tag))
        number = int(attributes.get("numFmtId", "0") or 0)
        code = codes.get(number)
        kind = classify(code) if code is not None else BUILT_IN.get(number)
        if kind is not None:
            found[index] = (code or _BUILT_IN_CODES.get(kind, ""), kind)
    return found


_ATTRIBUTE_TEXT = re.compile(r'([a-zA-Z:]+)="([^"]*)"')
_BUILT_IN_CODES = {FormatKind.PERCENT: "0%", FormatKind.DATE: "dd.mm.yyyy"}

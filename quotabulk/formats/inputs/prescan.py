"""A cheap look at a workbook's own bytes before any reader touches it: what the reader
cannot be trusted with is refused here, in one sentence, in well under a second.

python-calamine allocates a sheet as one rectangle from A1 to its farthest real cell: a
1.6 KB `.xlsx` with one cell at XFD1048576 asks for 549 GB, and the process dies with
SIGABRT (not an exception a Python program can catch). A sheet's `<dimension>` may lie,
so the real cell references are read (`<c r="…">`, streamed a chunk at a time): a sheet
whose rectangle is beyond `MAX_AREA` cells is refused, naming its farthest cell. A cell
longer than Excel's own 32 767 characters cannot come from Excel either.

This is the pre-scan layer: it looks at `.xlsx`/`.xlsm` today; the never-guess work reads
error cells, number formats and hidden rows through it too.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

# A sheet holds at most 1 048 576 rows in Excel and LibreOffice alike: more is made by
# hand to hurt (five million rows zip to 1.3 MB and took 3.3 GB to read).
MAX_ROWS = 1_048_576
# 1 048 576 rows × 32 columns: a million-row sheet of quotas fits, at ~32 bytes a cell.
MAX_AREA = MAX_ROWS * 32
MAX_CELL_CHARS = 32_767  # Excel's own limit for a cell's text
CHUNK = 1 << 20
_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_SHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
_STRINGS = "xl/sharedStrings.xml"


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


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def check_workbook(archive: zipfile.ZipFile) -> None:
    """Raise `TooFar` or `TooLong` (their words name the sheet's file and the cell)."""
    for info in archive.infolist():
        if _SHEET.match(info.filename):
            extent = sheet_extent(_chunks(archive, info.filename))
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
        if info.filename in (_STRINGS, *_sheet_names(archive)):
            _refuse_long_texts(_chunks(archive, info.filename))


def _sheet_names(archive: zipfile.ZipFile) -> tuple[str, ...]:
    return tuple(i.filename for i in archive.infolist() if _SHEET.match(i.filename))


def sheet_extent(chunks: Iterator[bytes]) -> Extent:
    rows = columns = cells = 0
    tail = b""
    for chunk in chunks:
        data = tail + chunk
        # A reference cut by the chunk's end is read with the next chunk.
        cut = data.rfind(b"<c ")
        body, tail = (data[:cut], data[cut:]) if cut > len(data) - 64 else (data, b"")
        for letters, row in _CELL.findall(body):
            cells += 1
            rows = max(rows, int(row))
            columns = max(columns, column_number(letters))
        if rows > MAX_ROWS:  # enough is known: the rest need not be read
            break
    for letters, row in _CELL.findall(tail):
        cells += 1
        rows = max(rows, int(row))
        columns = max(columns, column_number(letters))
    return Extent(rows, columns, cells)


def _refuse_long_texts(chunks: Iterator[bytes]) -> None:
    run = 0
    for chunk in chunks:
        start = 0
        while True:
            opening = chunk.find(b"<", start)
            if opening < 0:
                run += len(chunk) - start
                break
            run += opening - start
            if run > MAX_CELL_CHARS * 4:  # UTF-8: at most 4 bytes a character
                raise TooLong(
                    f"a cell holds more than {MAX_CELL_CHARS} characters, more than any "
                    "spreadsheet writes; this is not a list of quotas"
                )
            run = 0
            start = opening + 1


def _chunks(archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    with archive.open(name) as handle:
        while chunk := handle.read(CHUNK):
            yield chunk

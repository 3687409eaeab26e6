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


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def check_workbook(archive: zipfile.ZipFile) -> None:
    """Raise `TooFar` or `TooLong` (their words name the cell or the limit)."""
    for info in archive.infolist():
        if _SHEET.match(info.filename):
            texts = LongTexts()
            extent = sheet_extent(texts.watch(_chunks(archive, info.filename)))
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
        elif info.filename == _STRINGS:
            for _ in LongTexts().watch(_chunks(archive, info.filename)):
                pass


def sheet_extent(chunks: Iterator[bytes]) -> Extent:
    """How far the cells reach, read at the speed of `bytes.count` and one regular
    expression: rows come in ascending order, so a chunk's last `<row r=…>` is its
    farthest; only columns beyond the 16th can make a sheet too big (`_WIDE`)."""
    rows = columns = cells = 0
    tail = b""
    for chunk in chunks:
        data = tail + chunk
        # Every reference starts with "<": a cut at the last "<" near the end splits
        # none, and what follows the cut is read with the next chunk.
        cut = data.rfind(b"<", max(0, len(data) - 64))
        body, tail = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
        rows, columns, cells = _extent_of(body, rows, columns, cells)
        if rows > MAX_ROWS:  # enough is known: the rest need not be read
            break
    rows, columns, cells = _extent_of(tail, rows, columns, cells)
    return Extent(rows, columns, cells)


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

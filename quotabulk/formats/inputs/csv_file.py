"""CSV files: UTF-8 with or without BOM, or cp1251; `;`, `,` or tab, found by the header."""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

from quotabulk.domain import messages as said
from quotabulk.domain.errors import InputError, Location
from quotabulk.formats.inputs.base import Loaded, LoadOptions
from quotabulk.formats.inputs.cells import no_limit_message
from quotabulk.formats.inputs.columns import HEADER_SEARCH_ROWS
from quotabulk.formats.inputs.phones import first_phone_row
from quotabulk.formats.inputs.tables import find_header, no_header_message, read_table

DELIMITERS = (";", ",", "\t")


HEAD_BYTES = 1 << 16  # enough for the header search; never the whole file
CHUNK = 1 << 20


def load_csv(path: Path, name: str, options: LoadOptions) -> Loaded:
    """Read a CSV file as one table; its sources are `file:row`. The file is streamed:
    at 1M rows (70 MB), holding its text as one string and again in a StringIO cost
    400 MB of the 1 GB the whole plan may use."""
    where = Location(name)
    encoding = _encoding(path, name)
    delimiter = _pick_delimiter(_head(path, encoding), options, where)
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            table = read_table(reader, where, options.aliases, required=True)
        except csv.Error as exc:
            raise InputError(
                Location(name, None, reader.line_num), said.BAD_CSV(detail=str(exc))
            ) from None
    assert table is not None  # required=True raises instead
    return table


def _encoding(path: Path, name: str) -> str:
    """UTF-8 (with or without BOM) when every byte of the file decodes as UTF-8, checked
    a chunk at a time without keeping the text; else Excel's cp1251 of Russian Windows."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            first = handle.read(CHUNK)
            if b"\x00" in first[:HEAD_BYTES]:
                raise InputError(name, said.BINARY_CSV())
            chunk = first
            while chunk:
                decoder.decode(chunk)
                chunk = handle.read(CHUNK)
            decoder.decode(b"", final=True)
    except OSError as exc:
        raise InputError(name, said.CANNOT_READ(detail=str(exc.strerror))) from None
    except UnicodeDecodeError:
        if _is_cp1251(path):
            return "cp1251"
        raise InputError(name, said.NOT_TEXT()) from None
    return "utf-8-sig"


def _is_cp1251(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("cp1251")()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                decoder.decode(chunk)
    except UnicodeDecodeError:
        return False
    return True


def _head(path: Path, encoding: str) -> list[str]:
    """The first lines, for the header search (a character cut at the end is dropped)."""
    with path.open("rb") as handle:
        raw = handle.read(HEAD_BYTES)
    return raw.decode(encoding, errors="ignore").splitlines()[:HEADER_SEARCH_ROWS]


def _pick_delimiter(head: list[str], options: LoadOptions, where: Location) -> str:
    for delimiter in DELIMITERS:
        try:
            rows = list(csv.reader(head, delimiter=delimiter))
        except csv.Error:
            continue
        if find_header(rows, options.aliases, where) is not None:
            return delimiter
    for delimiter in DELIMITERS:  # no header: a delimiter that splits out phone numbers
        rows = list(csv.reader(head, delimiter=delimiter))
        phones = first_phone_row(rows)
        if phones is not None and max(map(len, rows)) > 1:
            raise InputError(where, no_limit_message(rows, phones, where, options.aliases))
    raise InputError(where, no_header_message(list(csv.reader(head, delimiter=";"))))

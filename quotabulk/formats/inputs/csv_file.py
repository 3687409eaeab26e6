"""CSV files: UTF-8 with or without BOM, or cp1251; `;`, `,` or tab, found by the header."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from quotabulk.domain.errors import InputError, Location
from quotabulk.formats.inputs.base import Loaded, LoadOptions
from quotabulk.formats.inputs.columns import HEADER_SEARCH_ROWS
from quotabulk.formats.inputs.tables import find_header, no_header_message, read_table

DELIMITERS = (";", ",", "\t")


def load_csv(path: Path, name: str, options: LoadOptions) -> Loaded:
    """Read a CSV file as one table; its sources are `file:row`."""
    where = Location(name)
    text = _decode(path, name)
    delimiter = _pick_delimiter(text, options, where)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        table = read_table(reader, where, options.aliases, required=True)
    except csv.Error as exc:
        raise InputError(
            Location(name, None, reader.line_num), f"is not valid CSV: {exc}"
        ) from None
    assert table is not None  # required=True raises instead
    return table


def _decode(path: Path, name: str) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(name, f"cannot be read: {exc.strerror}") from None
    if b"\x00" in raw[:65536]:
        raise InputError(name, "is a binary file, not CSV text; was an .xlsx renamed to .csv?")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Excel on Russian Windows saves "CSV" in cp1251.
    try:
        return raw.decode("cp1251")
    except UnicodeDecodeError:
        raise InputError(name, "is neither UTF-8 nor Windows-1251 text") from None


def _pick_delimiter(text: str, options: LoadOptions, where: Location) -> str:
    head = text.splitlines()[:HEADER_SEARCH_ROWS]
    for delimiter in DELIMITERS:
        try:
            rows = list(csv.reader(head, delimiter=delimiter))
        except csv.Error:
            continue
        if find_header(rows, options.aliases, where) is not None:
            return delimiter
    raise InputError(where, no_header_message(list(csv.reader(head, delimiter=";"))))

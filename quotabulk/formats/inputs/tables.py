"""Rows of a table (a sheet or a CSV file) → desired rows: header search, then conversion."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain, islice
from operator import itemgetter

from quotabulk.domain.errors import InputError, Location
from quotabulk.domain.models import InvalidRow
from quotabulk.formats.inputs.base import Loaded
from quotabulk.formats.inputs.columns import (
    HEADER_SEARCH_ROWS,
    AmbiguousHeader,
    ColumnAliases,
    Field,
    Header,
    match_header,
)
from quotabulk.formats.inputs.rows import RawRow, RowShape, build_row, cell_text, is_blank


def find_header(
    rows: Sequence[Sequence[object]], aliases: ColumnAliases, where: Location
) -> Header | None:
    """The first of the leading rows that reads as a header, or None."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        try:
            header = match_header(row, index, aliases)
        except AmbiguousHeader as exc:
            raise InputError(Location(where.file, where.sheet, index + 1), str(exc)) from None
        if header is not None:
            return header
    return None


def read_table(
    rows: Iterable[Sequence[object]],
    where: Location,
    aliases: ColumnAliases,
    *,
    required: bool,
) -> Loaded | None:
    """Read one table; None when it has no header and was not asked for by name."""
    iterator = iter(rows)
    head = list(islice(iterator, HEADER_SEARCH_ROWS))
    header = find_header(head, aliases, where)
    if header is None:
        if required:
            raise InputError(where, no_header_message())
        return None
    body = chain(head[header.row_index + 1 :], iterator)
    loaded = _convert(body, header.row_index + 2, header, where)
    if not loaded.row_count:
        raise InputError(
            where, "has a header row but no data rows; an empty input is almost always a mistake"
        )
    return loaded


def no_header_message() -> str:
    return (
        f"no header row with a phone-number column (e.g. «Номер») and a limit (e.g. «Лимит») "
        f"or action column was found in the first {HEADER_SEARCH_ROWS} rows"
    )


def _convert(
    body: Iterable[Sequence[object]], first_number: int, header: Header, where: Location
) -> Loaded:
    shape = RowShape(
        labels={name: header.label(name) for name in header.fields},
        extra_columns=header.extra_columns,
        manages_warn_at=Field.WARN_AT in header.fields,
    )
    # Absent fields read a padding cell past the row's end, so one itemgetter serves all.
    pad_at = max(len(header.labels), *header.fields.values()) + 1
    order = (Field.MSISDN, Field.LIMIT, Field.WARN_AT, Field.ON_EXCEED, Field.ACTION)
    fields = itemgetter(*(header.fields.get(name, pad_at) for name in order))
    padding = [None] * (pad_at + 1)
    msisdn_at = header.fields[Field.MSISDN]
    extra_indexes = header.extra_indexes
    prefix = f"{where}:"
    loaded = Loaded()
    for number, row in enumerate(body, start=first_number):
        width = len(row)
        if width <= pad_at:
            row = [*row, *padding[width:]]
        if is_blank(row[msisdn_at]) and all(is_blank(value) for value in row):
            continue
        raw = RawRow._make(fields(row))
        extras = tuple(
            [v if type(v) is str else cell_text(v) for v in map(row.__getitem__, extra_indexes)]
        )
        result = build_row(prefix + str(number), raw, shape, extras)
        if isinstance(result, InvalidRow):
            loaded.invalid.append(result)
        else:
            loaded.rows.append(result)
    return loaded

"""Rows of a table (a sheet or a CSV file) → desired rows: header search, then conversion."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import chain, islice
from operator import itemgetter

from quotabulk.domain import messages as said
from quotabulk.domain.errors import InputError, Location
from quotabulk.domain.messages import Text
from quotabulk.domain.models import InvalidRow, SkippedRow
from quotabulk.domain.msisdn import MsisdnError, normalise_msisdn
from quotabulk.formats.inputs.base import Loaded
from quotabulk.formats.inputs.columns import (
    HEADER_SEARCH_ROWS,
    TOTAL_WORDS,
    AmbiguousHeader,
    ColumnAliases,
    Field,
    Header,
    match_header,
    normalise_label,
)
from quotabulk.formats.inputs.rows import (
    RawRow,
    RowShape,
    build_row,
    cell_text,
    is_blank,
    simple_row,
)

TOTAL_ROW = "строка итогов"


def find_header(
    rows: Sequence[Sequence[object]], aliases: ColumnAliases, where: Location
) -> Header | None:
    """The first of the leading rows that reads as a header, or None."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        try:
            header = match_header(row, index, aliases)
        except AmbiguousHeader as exc:
            raise InputError(Location(where.file, where.sheet, index + 1), exc.text) from None
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
            raise InputError(where, no_header_message(head))
        return None
    _refuse_unrecognised_concepts(header, aliases, where)
    body = chain(head[header.row_index + 1 :], iterator)
    loaded = _convert(body, header.row_index + 2, header, where)
    if not loaded.rows and not loaded.invalid:
        raise InputError(where, said.HEADER_ONLY())
    unmanaged = header.unmanaged(aliases)
    if unmanaged:
        columns = ", ".join(f"«{c}»" for c in unmanaged)
        loaded.notices.append(said.NOT_MANAGED(where=str(where), columns=columns, n=len(unmanaged)))
    loaded.notices.extend(said.TOTAL_ROW(where=s.source) for s in loaded.skipped)
    return loaded


def _refuse_unrecognised_concepts(header: Header, aliases: ColumnAliases, where: Location) -> None:
    """A column that looks like a threshold or an overflow rule under a header no alias
    knows would be silently left alone: the user believes it was applied. Stop instead."""
    found = header.unrecognised_concepts(aliases)
    if not found:
        return
    name, label = found[0]
    raise InputError(
        Location(where.file, where.sheet, header.row_index + 1),
        said.LOOKS_LIKE(label=label, field=name.value),
    )


def no_header_message(head: Sequence[Sequence[object]] = ()) -> Text:
    seen = [
        (number, texts)
        for number, row in enumerate(head, start=1)
        if (texts := [cell_text(c).strip() for c in row if cell_text(c).strip()])
    ][:3]
    if seen:
        rows = "; ".join(
            f"{n}: " + ", ".join(f"«{t[:40]}»" for t in texts[:8]) for n, texts in seen
        )
        return said.NO_HEADER(rows=HEADER_SEARCH_ROWS, seen=said.ROWS_SEEN(rows=rows))
    return said.NO_HEADER(rows=HEADER_SEARCH_ROWS, seen="")


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
    extra_cells = _cells_at(header.extra_indexes)
    prefix = f"{where}:"
    shared = SharedTexts()
    loaded = Loaded()
    # Once per row of every sheet: each call and test here costs a tenth of a second at 1M.
    for number, row in enumerate(body, start=first_number):
        width = len(row)
        if width <= pad_at:
            row = [*row, *padding[width:]]
        first = row[msisdn_at]
        if (first is None or (type(first) is str and not first.strip())) and all(
            map(is_blank, row)
        ):
            continue
        cells = fields(row)
        extras = shared.texts(extra_cells(row)) if extra_cells else ()
        source = prefix + str(number)
        valid = simple_row(source, cells, shape, extras)
        if valid is not None:  # the common case, without building a RawRow
            loaded.rows.append(valid)
            continue
        raw = RawRow._make(cells)
        result = build_row(source, raw, shape, extras)
        if isinstance(result, InvalidRow):
            if _is_total_row(raw, row):  # looked at only for rows that are not valid
                skipped = SkippedRow(result.source, "", TOTAL_ROW, result.extras)
                loaded.skipped.append(skipped)
                continue
            loaded.invalid.append(result)
        else:
            loaded.rows.append(result)
    return loaded


class SharedTexts:
    """One string object per repeated text. The user's own columns repeat a handful of
    values (a department, a cost centre) on thousands of rows, and a reader makes a new
    string for every cell: «Продажи» on a million rows held 88 MB. Texts seen first are
    remembered up to `limit`; a column of names fills it and is then left alone."""

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self.seen: dict[str, str] = {}

    def texts(self, cells: tuple[object, ...]) -> tuple[str, ...]:
        """The cells as text, each repeated text the object seen first. While the memo has
        room a new text joins it (`setdefault`); once full it is only looked up."""
        seen = self.seen
        keep = seen.setdefault if len(seen) < self.limit else seen.get
        return tuple([keep(v, v) if type(v) is str else keep(t := cell_text(v), t) for v in cells])


def _cells_at(indexes: Sequence[int]) -> Callable[[Sequence[object]], tuple[object, ...]] | None:
    """A function giving a row's cells at `indexes` as a tuple; None when there are none."""
    if not indexes:
        return None
    if len(indexes) == 1:
        at = indexes[0]
        return lambda row: (row[at],)
    return itemgetter(*indexes)


def _is_total_row(raw: RawRow, row: Sequence[object]) -> bool:
    """A row with no valid phone number and a cell saying «Итого», «Всего» or «Total»."""
    try:
        normalise_msisdn(raw.msisdn)
        return False
    except MsisdnError:
        pass
    return any(
        isinstance(cell, str) and normalise_label(cell).rstrip(":") in TOTAL_WORDS for cell in row
    )

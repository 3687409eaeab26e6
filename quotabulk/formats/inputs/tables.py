"""Rows of a table (a sheet or a CSV file) → desired rows: header search, then conversion."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from itertools import chain, islice
from operator import itemgetter

from quotabulk.domain import messages as said
from quotabulk.domain.errors import InputError, Location
from quotabulk.domain.messages import Text
from quotabulk.domain.models import InvalidRow, SkippedRow
from quotabulk.formats.inputs import blocks
from quotabulk.formats.inputs.base import Loaded
from quotabulk.formats.inputs.cells import TOTAL_ROW, SheetReading, is_total_row, no_limit_message
from quotabulk.formats.inputs.columns import (
    HEADER_SEARCH_ROWS,
    AmbiguousHeader,
    ColumnAliases,
    Field,
    Header,
    match_header,
)
from quotabulk.formats.inputs.facts import Merge, SheetFacts
from quotabulk.formats.inputs.mapping import Hidden
from quotabulk.formats.inputs.phones import first_phone_row
from quotabulk.formats.inputs.rows import (
    RawRow,
    RowShape,
    build_row,
    cell_text,
    is_blank,
    simple_row,
)


def find_header(
    rows: Sequence[Sequence[object]],
    aliases: ColumnAliases,
    where: Location,
    merges: Sequence[Merge] = (),
) -> Header | None:
    """The first of the leading rows that reads as a header, or None. With merged cells,
    a header block: the header row and up to two rows under its cells merged across
    columns (see `blocks`); its labels are composed «Лимит / порог, руб.»."""
    head = rows[:HEADER_SEARCH_ROWS]
    merges = [m for m in merges if m.first_row <= len(head)]
    for index, row in enumerate(head):
        try:
            header = match_header(row, index, aliases)
            if header is not None and merges:
                block = blocks.block_rows(head, index, merges)
                if len(block) > 1:
                    header = _block_header(head, block, aliases, merges)
        except AmbiguousHeader as exc:
            raise InputError(Location(where.file, where.sheet, index + 1), exc.text) from None
        if header is not None:
            return header
    # No row names the fields by itself: a block whose parent row («Телефон», «Параметры
    # квоты» over «Лимит», «Порог») does, never one under a title merged over everything.
    for index in range(len(head)) if merges else ():
        block = blocks.block_rows(head, index, merges)
        if len(block) < 2 or not blocks.parent_row(head, index, merges):
            continue
        try:
            header = _block_header(head, block, aliases, merges)
        except AmbiguousHeader as exc:
            raise InputError(Location(where.file, where.sheet, index + 1), exc.text) from None
        if header is not None:
            return header
    return None


def _block_header(
    head: Sequence[Sequence[object]],
    block: Sequence[int],
    aliases: ColumnAliases,
    merges: Sequence[Merge],
) -> Header | None:
    parts = blocks.composed_parts(head, block, merges)
    labels = [" / ".join(column) for column in parts]
    return match_header(labels, block[0], aliases, parts, block[-1])


def read_table(
    rows: Iterable[Sequence[object]],
    where: Location,
    aliases: ColumnAliases,
    *,
    required: bool,
    facts: SheetFacts | None = None,
    hidden: Hidden | None = None,
    account: str | None = None,
) -> Loaded | None:
    """Read one table; None when it has no phone numbers and was not asked for by name.
    `facts`: what the pre-scan found in the sheet; `hidden`: the user's decision about
    hidden rows and columns (None: stop when there are any); `account`: the rows' account
    where they name none (the mapping file's `sheets:`)."""
    iterator = iter(rows)
    head = list(islice(iterator, HEADER_SEARCH_ROWS))
    header = find_header(head, aliases, where, facts.merges if facts else ())
    if header is None:
        phones = first_phone_row(head)
        if phones is not None:
            raise InputError(where, no_limit_message(head, phones, where, aliases))
        if required:
            raise InputError(where, no_header_message(head))
        return None
    sheet = SheetReading(where, facts, hidden, account)
    header = sheet.hide_columns(header)
    _refuse_unrecognised_concepts(header, aliases, where, sheet.left_hidden)
    body = chain(head[header.last_row_index + 1 :], iterator)
    loaded = _convert(body, header.last_row_index + 2, header, sheet)
    sheet.finish(loaded)
    if not loaded.rows and not loaded.invalid and not sheet.skipped_hidden:
        raise InputError(where, said.HEADER_ONLY())
    unmanaged = header.unmanaged(aliases)
    if unmanaged:
        columns = ", ".join(f"«{c}»" for c in unmanaged)
        loaded.notices.append(said.NOT_MANAGED(where=str(where), columns=columns, n=len(unmanaged)))
    loaded.notices.extend(sheet.notices)
    loaded.notices.extend(
        said.TOTAL_ROW(where=s.source) for s in loaded.skipped if s.reason == TOTAL_ROW
    )
    return loaded


def _refuse_unrecognised_concepts(
    header: Header, aliases: ColumnAliases, where: Location, exempt: Collection[str] = ()
) -> None:
    """A column that looks like a threshold or an overflow rule under a header no alias
    knows would be silently left alone: the user believes it was applied. Stop instead."""
    found = [
        (n, label) for n, label in header.unrecognised_concepts(aliases) if label not in exempt
    ]
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
    body: Iterable[Sequence[object]], first_number: int, header: Header, sheet: SheetReading
) -> Loaded:
    where = sheet.where
    shape = RowShape(
        labels={name: header.label(name) for name in header.fields},
        extra_columns=header.extra_columns,
        manages_warn_at=Field.WARN_AT in header.fields,
        default_account=sheet.account,
    )
    # Absent fields read a padding cell past the row's end, so one itemgetter serves all.
    pad_at = max(len(header.labels), *header.fields.values()) + 1
    order = (
        Field.MSISDN,
        Field.LIMIT,
        Field.WARN_AT,
        Field.ON_EXCEED,
        Field.ACTION,
        Field.ACCOUNT,
        Field.VALID_FROM,
        Field.VALID_UNTIL,
    )
    fields = itemgetter(*(header.fields.get(name, pad_at) for name in order))
    padding = [None] * (pad_at + 1)
    msisdn_at = header.fields[Field.MSISDN]
    extra_cells = _cells_at(header.extra_indexes)
    prefix = f"{where}:"
    shared = SharedTexts()
    loaded = Loaded()
    marked = sheet.marked_rows(header)  # rows hidden or with a cell not to be guessed
    # Once per row of every sheet: each call and test here costs a tenth of a second at 1M.
    for number, row in enumerate(body, start=first_number):
        width = len(row)
        if width <= pad_at:
            row = [*row, *padding[width:]]
        first = row[msisdn_at]
        if (
            (first is None or (type(first) is str and not first.strip()))
            and all(map(is_blank, row))
            and not (marked and sheet.shows_error(number))
        ):
            continue
        cells = fields(row)
        extras = shared.texts(extra_cells(row)) if extra_cells else ()
        source = prefix + str(number)
        if (
            marked
            and number in marked
            and sheet.took(number, source, RawRow._make(cells), row, shape, extras, loaded)
        ):
            continue
        valid = simple_row(source, cells, shape, extras)
        if valid is not None:  # the common case, without building a RawRow
            loaded.rows.append(valid)
            continue
        raw = RawRow._make(cells)
        result = build_row(source, raw, shape, extras)
        if isinstance(result, InvalidRow):
            if is_total_row(raw, row):  # looked at only for rows that are not valid
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

"""One sheet's reading beyond its values: the cells not to be guessed (an error, a formula
without a saved value, a money cell whose format does not show rubles), hidden rows and
hidden managed columns — stopped on, left out or read as the user decided (`--hidden`) —
and the words for a sheet that has phone numbers but no limit column."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time, timedelta
from decimal import Decimal, InvalidOperation

from quotabulk.domain import messages as said
from quotabulk.domain.amounts import AmountError, parse_amount
from quotabulk.domain.errors import InputError, Location, RowProblem
from quotabulk.domain.messages import Text
from quotabulk.domain.models import InvalidRow, Loaded, SkippedRow
from quotabulk.domain.msisdn import MsisdnError, normalise_msisdn
from quotabulk.formats.inputs.columns import (
    TOTAL_WORDS,
    ColumnAliases,
    Field,
    Header,
    normalise_label,
)
from quotabulk.formats.inputs.facts import CellFact, CellKind, SheetFacts, cell_address
from quotabulk.formats.inputs.mapping import Hidden
from quotabulk.formats.inputs.numformats import FormatKind
from quotabulk.formats.inputs.phones import is_phone_like
from quotabulk.formats.inputs.rows import RawRow, RowShape, build_row, cell_text, is_blank

__all__ = ["HIDDEN_ROW", "TOTAL_ROW", "SheetReading", "is_total_row", "no_limit_message"]

TOTAL_ROW = "строка итогов"
HIDDEN_ROW = "скрытая строка"
MONEY = (Field.LIMIT, Field.WARN_AT)
# The facts that make a row that reads as empty one to report: an empty-looking row that
# only lies under a merge (a note merged down the sheet) stays empty.
_SHOWS_ERROR = (CellKind.ERROR, CellKind.NO_VALUE)
# Hidden phone and account columns are always read: they say whose quota a row is, and
# leaving the account out would send another account's rows to this one.
_NEVER_HIDDEN = (Field.MSISDN, Field.ACCOUNT)


class SheetReading:
    """What one sheet's facts make of its rows; `finish` stops the reading when the user
    has not yet said what to do with hidden rows or columns."""

    def __init__(
        self,
        where: Location,
        facts: SheetFacts | None,
        hidden: Hidden | None,
        account: str | None = None,
    ) -> None:
        self.where = where
        self.account = account
        self.facts = facts or SheetFacts()
        self.hidden = hidden
        self.hidden_found: list[int] = []  # hidden rows, while the user has not decided
        self.skipped_hidden: list[int] = []
        self.hidden_managed: list[str] = []
        self.left_hidden: set[str] = set()  # hidden managed columns `--hidden skip` let go
        self.notices: list[Text] = []
        self.by_row: dict[int, list[tuple[int, CellFact]]] = {}
        self.fields_at: dict[int, Field] = {}
        self.labels: Sequence[str] = ()

    def hide_columns(self, header: Header) -> Header:
        """Name hidden columns; a hidden managed one stops the reading until the user
        decides, and under `--hidden skip` is no longer managed."""
        hidden = self.facts.hidden_columns
        if not hidden:
            return header
        managed = [
            (name, index)
            for name, index in header.fields.items()
            if index in hidden and name not in _NEVER_HIDDEN
        ]
        others = [header.labels[i] for i in header.extra_indexes if i in hidden]
        if self.hidden is Hidden.SKIP and managed:
            self.left_hidden = {header.labels[index] for _, index in managed}
            others += [header.labels[index] for _, index in managed]
            fields = {n: i for n, i in header.fields.items() if (n, i) not in managed}
            extras = tuple(sorted([*header.extra_indexes, *(i for _, i in managed)]))
            header = Header(header.row_index, fields, header.labels, extras, header.last_row_index)
        elif self.hidden is None and managed:
            self.hidden_managed = [self._column_name(header.labels, i) for _, i in managed]
        if others:
            columns = ", ".join(f"«{label}»" for label in others)
            self.notices.append(
                said.HIDDEN_COLUMNS(where=str(self.where), columns=columns, n=len(others))
            )
        return header

    def marked_rows(self, header: Header) -> set[int]:
        """The rows to look at closely: hidden, or with a fact in a managed cell."""
        self.fields_at = {index: name for name, index in header.fields.items()}
        self.labels = header.labels
        self.by_row = self.facts.in_columns(set(self.fields_at)) if self.facts.cells else {}
        self._merged_data_cells(header.last_row_index + 2)
        return set(self.by_row) | self.facts.hidden_rows

    def _merged_data_cells(self, first_data_row: int) -> None:
        """A managed cell under a merged cell of the data (not the merge's first): calamine
        reads it empty while the person sees the first cell's value in it — a threshold
        merged over two rows would be read as "none" on the second."""
        for merge in self.facts.merges:
            if merge.last_row < first_data_row:
                continue
            first = self._address(merge.first_row, merge.first_column)
            last = self._address(merge.last_row, merge.last_column).split("!")[-1]
            fact = CellFact(CellKind.MERGED, f"{first}:{last}")
            for row, column in merge.covered():
                if row >= first_data_row and column in self.fields_at:
                    self.by_row.setdefault(row, []).append((column, fact))

    def shows_error(self, number: int) -> bool:
        """Whether a row that reads as empty has a managed cell showing an error (calamine
        reads `#REF!` as an empty cell)."""
        return any(f.kind in _SHOWS_ERROR for _, f in self.by_row.get(number, ()))

    def took(
        self,
        number: int,
        source: str,
        raw: RawRow,
        row: Sequence[object],
        shape: RowShape,
        extras: tuple[str, ...],
        loaded: Loaded,
    ) -> bool:
        """Deal with a marked row; False when it is to be read as any other."""
        if number in self.facts.hidden_rows and self.hidden is not Hidden.READ:
            if self.hidden is None:
                self.hidden_found.append(number)
            else:
                self.skipped_hidden.append(number)
                shown = _msisdn_shown(raw.msisdn)
                loaded.skipped.append(SkippedRow(source, shown, HIDDEN_ROW, shape.extras(extras)))
            return True
        problems = self._problems(number, source, row)
        if not problems:
            return False
        if is_total_row(raw, row):
            loaded.skipped.append(SkippedRow(source, "", TOTAL_ROW, shape.extras(extras)))
            return True
        result = build_row(source, raw, shape, extras)
        named = {p.column for p in problems}
        if isinstance(result, InvalidRow):
            problems += [p for p in result.problems if p.column not in named]
        shown = _msisdn_shown(raw.msisdn)
        periods = {shape.labels.get(f) for f in (Field.VALID_FROM, Field.VALID_UNTIL)} - {None}
        dated = not is_blank(raw.valid_from) or not is_blank(raw.valid_until)
        dated = dated or any(p.column in periods for p in problems)
        extras_of = shape.extras(extras)
        loaded.invalid.append(InvalidRow(source, shown, tuple(problems), extras_of, dated))
        return True

    def finish(self, loaded: Loaded) -> None:
        """Stop on hidden rows or managed columns the user has not decided about; else
        say (in `notices`) what was left out."""
        sheet = self.where.sheet or self.where.file
        if self.hidden_found or self.hidden_managed:
            parts: list[Text] = []
            if self.hidden_found:
                rows = ranges(self.hidden_found)
                parts.append(said.HIDDEN_ROWS(sheet=sheet, rows=rows, n=len(self.hidden_found)))
            if self.hidden_managed:
                columns = ", ".join(self.hidden_managed)
                n = len(self.hidden_managed)
                parts.append(said.HIDDEN_MANAGED(sheet=sheet, columns=columns, n=n))
            raise InputError(self.where, said.HIDDEN_STOP(what=tuple(parts)))
        if self.skipped_hidden:
            rows = ranges(self.skipped_hidden)
            n = len(self.skipped_hidden)
            self.notices.append(said.HIDDEN_SKIPPED(where=str(self.where), rows=rows, n=n))

    def _problems(self, number: int, source: str, row: Sequence[object]) -> list[RowProblem]:
        problems = []
        for column, fact in self.by_row.get(number, ()):
            name = self.fields_at[column]
            value = row[column] if column < len(row) else None
            text = self._text(fact, name, value, self._address(number, column))
            if text is not None:
                problems.append(RowProblem(source, self.labels[column], text))
        return problems

    def _text(self, fact: CellFact, name: Field, value: object, address: str) -> Text | None:
        if fact.kind is CellKind.ERROR:
            return said.CELL_ERROR(cell=address, shown=fact.shown)
        if fact.kind is CellKind.NO_VALUE:
            return said.CELL_NO_VALUE(cell=address)
        if fact.kind is CellKind.MERGED:
            return said.CELL_MERGED(cell=address, merge=fact.shown)
        if name not in MONEY or not _is_number(value):
            return None  # a text typed into a formatted cell shows as typed
        shown = fact.shown_for(value)
        if fact.format_kind is FormatKind.PERCENT:
            return said.CELL_PERCENT(cell=address, shown=shown)
        if fact.format_kind is FormatKind.DATE:
            return said.CELL_DATE(cell=address, shown=shown)
        return said.CELL_SCALED(cell=address, shown=shown, value=_held(value))

    def _address(self, number: int, column: int) -> str:
        return cell_address(self.where.sheet, number, column + self.facts.first_column)

    def _column_name(self, labels: Sequence[str], index: int) -> str:
        letters = cell_address(None, 1, index + self.facts.first_column)[:-1]
        return f"«{labels[index]}» ({letters})"


def _held(value: object) -> Decimal | str:
    """What the cell holds, as an amount where it is a number (what would be sent)."""
    try:
        return Decimal(str(value)) if isinstance(value, int | float) else cell_text(value)
    except InvalidOperation:
        return cell_text(value)


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int | float | date | time | timedelta)


def _msisdn_shown(value: object) -> str:
    try:
        return normalise_msisdn(value)
    except MsisdnError:
        return cell_text(value)


def ranges(numbers: Sequence[int]) -> str:
    """11, 12, 13, 15 → «11–13, 15»."""
    ordered = sorted(set(numbers))
    spans: list[str] = []
    start = previous = ordered[0]
    for number in [*ordered[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        spans.append(str(start) if start == previous else f"{start}–{previous}")
        if number is not None:
            start = previous = number
    return ", ".join(spans)


def is_total_row(raw: RawRow, row: Sequence[object]) -> bool:
    """A row with no valid phone number and a cell saying «Итого», «Всего» or «Total»."""
    try:
        normalise_msisdn(raw.msisdn)
        return False
    except MsisdnError:
        pass
    return any(
        isinstance(cell, str) and normalise_label(cell).rstrip(":") in TOTAL_WORDS for cell in row
    )


def _amount_like(cell: object) -> bool:
    if isinstance(cell, bool):
        return False
    if isinstance(cell, int | float):
        return True
    try:
        parse_amount(cell)
    except AmountError:
        return False
    return isinstance(cell, str) and bool(cell.strip())


_LIMIT_WORDS = ("лимит", "квот", "limit", "quota", "сумм", "amount")


def no_limit_message(
    head: Sequence[Sequence[object]], phones: int, where: Location, aliases: ColumnAliases
) -> Text:
    """A sheet with phone numbers that reads as no table: name the header row above the
    numbers and what it lacks — a phone header over the numbers, or a limit column (with
    the closest candidate)."""
    sheet = where.sheet or where.file
    above = [
        i
        for i in range(phones - 1, -1, -1)
        if any(isinstance(c, str) and c.strip() for c in head[i])
    ]
    if not above:
        return _no_header(where, phones + 1)
    labels = [cell_text(c).strip() for c in head[above[0]]]
    at = next(i for i, cell in enumerate(head[phones]) if is_phone_like(cell))
    over = labels[at] if at < len(labels) else ""
    if aliases.field_of(over) is not Field.MSISDN:
        label = over or "—"
        if where.sheet is None:
            return said.NO_PHONE_HEADER_IN_FILE(row=above[0] + 1, label=label)
        return said.NO_PHONE_HEADER(sheet=sheet, row=above[0] + 1, label=label)
    candidate = next(
        (label for label in labels if any(w in normalise_label(label) for w in _LIMIT_WORDS)),
        None,
    )
    if candidate is None:
        numbers = [
            i
            for i, cell in enumerate(head[phones])
            if _amount_like(cell) and not is_phone_like(cell) and i < len(labels)
        ]
        candidate = next((labels[i] for i in numbers if labels[i]), None)
    if candidate is None:
        return _no_header(where, phones + 1)
    if where.sheet is None:
        return said.NO_LIMIT_COLUMN_IN_FILE(row=above[0] + 1, candidate=candidate)
    return said.NO_LIMIT_COLUMN(sheet=sheet, row=above[0] + 1, candidate=candidate)


def _no_header(where: Location, row: int) -> Text:
    if where.sheet is None:
        return said.NO_HEADER_FOR_PHONES_IN_FILE(row=row)
    return said.NO_HEADER_FOR_PHONES(sheet=where.sheet, row=row)

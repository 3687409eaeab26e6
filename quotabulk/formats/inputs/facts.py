"""What a workbook says about its cells beyond their values — the facts python-calamine does
not report and a careful reader must not guess: an error value (calamine reads `#REF!`
as an empty cell), a formula without a saved value, a number format under which a money
cell does not show rubles, hidden rows and columns, and merged cells (for header blocks).

The pre-scan (`prescan`, `prescan_ods`, `prescan_xls`) finds them, one `SheetFacts` per
sheet; the table reader consults them for the cells it manages. Rows and columns are
numbered as the user sees them: rows from 1, columns from 0 (A).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from quotabulk.formats.inputs.numformats import FormatKind, shown


class CellKind(StrEnum):
    ERROR = "error"  # an error value: shown is what the cell shows (#REF!, Err:502)
    NO_VALUE = "no_value"  # a formula whose result was never saved
    FORMAT = "format"  # a number format that does not show rubles (see `format_kind`)
    MERGED = "merged"  # under a merged cell, not its first: empty, though it shows a value


@dataclass(frozen=True, slots=True)
class CellFact:
    kind: CellKind
    shown: str = ""  # what the cell shows, when the file says it (errors; every .ods cell)
    format_code: str = ""
    format_kind: FormatKind | None = None

    def shown_for(self, value: object) -> str:
        """What the person sees in the cell, given the value the reader got."""
        if self.shown or self.format_kind is None:
            return self.shown
        return shown(self.format_code, self.format_kind, value)


@dataclass(frozen=True, slots=True)
class Merge:
    """A merged range, inclusive: rows from 1, columns from 0."""

    first_row: int
    first_column: int
    last_row: int
    last_column: int

    @property
    def across(self) -> bool:
        return self.last_column > self.first_column

    def covered(self) -> list[tuple[int, int]]:
        """The cells the merge shows its first cell's value in, but which hold nothing."""
        return [
            (row, column)
            for row in range(self.first_row, self.last_row + 1)
            for column in range(self.first_column, self.last_column + 1)
            if (row, column) != (self.first_row, self.first_column)
        ]


@dataclass
class SheetFacts:
    cells: dict[tuple[int, int], CellFact] = field(default_factory=dict)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_columns: set[int] = field(default_factory=set)
    merges: list[Merge] = field(default_factory=list)
    filtered: bool = False  # the sheet has an autofilter (its hidden rows may be its doing)
    first_column: int = 0  # columns count from here (see `shifted`); addresses add it back

    def shifted(self, columns: int) -> SheetFacts:
        """The same facts with columns counted from `columns` (calamine starts a sheet's
        rows at its first used column)."""
        if not columns:
            return self
        return SheetFacts(
            {(r, c - columns): fact for (r, c), fact in self.cells.items() if c >= columns},
            set(self.hidden_rows),
            {c - columns for c in self.hidden_columns if c >= columns},
            [
                Merge(m.first_row, m.first_column - columns, m.last_row, m.last_column - columns)
                for m in self.merges
                if m.last_column >= columns
            ],
            self.filtered,
            self.first_column + columns,
        )

    def in_columns(self, columns: set[int]) -> dict[int, list[tuple[int, CellFact]]]:
        """The facts of cells in `columns`, by row: {row: [(column, fact)]}."""
        rows: dict[int, list[tuple[int, CellFact]]] = {}
        for (row, column), fact in self.cells.items():
            if column in columns:
                rows.setdefault(row, []).append((column, fact))
        return rows


WorkbookFacts = dict[str, SheetFacts]
"""Facts by sheet name."""


def column_letters(number: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_address(sheet: str | None, row: int, column: int) -> str:
    """`Лимиты!D7` (column from 0), or `D7` where there is no sheet."""
    here = f"{column_letters(column + 1)}{row}"
    return f"{sheet}!{here}" if sheet else here

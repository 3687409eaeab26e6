"""The one interface every input format implements, and what loading returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from quotabulk.domain.models import DesiredRow, InvalidRow, SkippedRow
from quotabulk.formats.inputs.columns import ColumnAliases


@dataclass(frozen=True)
class LoadOptions:
    """What the command line says about reading: mapping file aliases and picked sheets."""

    aliases: ColumnAliases = field(default_factory=ColumnAliases)
    sheets: tuple[str, ...] = ()


@dataclass
class Loaded:
    """Rows read from one or more inputs, valid and invalid, with notices to show."""

    rows: list[DesiredRow] = field(default_factory=list)
    invalid: list[InvalidRow] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    accounts: set[str] = field(default_factory=set)

    @property
    def row_count(self) -> int:
        return len(self.rows) + len(self.invalid) + len(self.skipped)

    def extend(self, other: Loaded) -> None:
        self.rows.extend(other.rows)
        self.invalid.extend(other.invalid)
        self.skipped.extend(other.skipped)
        self.notices.extend(other.notices)
        self.accounts |= other.accounts


Loader = Callable[[Path, str, LoadOptions], Loaded]
"""Read the file at a path, naming it by the given display name in every source."""

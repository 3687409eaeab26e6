"""The one interface every input format implements, and what loading returns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from quotabulk.domain.models import Loaded
from quotabulk.formats.inputs.columns import ColumnAliases
from quotabulk.formats.inputs.mapping import Hidden, MappingFile, SheetRule

__all__ = ["LoadOptions", "Loaded", "Loader"]


@dataclass(frozen=True)
class LoadOptions:
    """What the command line says about reading: the mapping file's names and per-sheet
    rules, the picked sheets, and what to do with hidden rows (None: stop on them)."""

    aliases: ColumnAliases = field(default_factory=ColumnAliases)
    sheets: tuple[str, ...] = ()
    sheet_rules: Mapping[str, SheetRule] = field(default_factory=dict)
    hidden: Hidden | None = None
    day: date | None = None  # the day periods are read for (None: today in QUOTABULK_TZ)

    @classmethod
    def of(
        cls, mapping: MappingFile | None, sheets: tuple[str, ...] = (), hidden: Hidden | None = None
    ) -> LoadOptions:
        """Options from a mapping file; `hidden` given on the command line wins over its."""
        mapping = mapping or MappingFile()
        return cls(mapping.aliases, sheets, mapping.sheets, hidden or mapping.hidden)


Loader = Callable[[Path, str, LoadOptions], Loaded]
"""Read the file at a path, naming it by the given display name in every source."""

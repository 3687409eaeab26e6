"""The one interface every input format implements, and what loading returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from quotabulk.domain.models import Loaded
from quotabulk.formats.inputs.columns import ColumnAliases

__all__ = ["LoadOptions", "Loaded", "Loader"]


@dataclass(frozen=True)
class LoadOptions:
    """What the command line says about reading: mapping file aliases and picked sheets."""

    aliases: ColumnAliases = field(default_factory=ColumnAliases)
    sheets: tuple[str, ...] = ()


Loader = Callable[[Path, str, LoadOptions], Loaded]
"""Read the file at a path, naming it by the given display name in every source."""

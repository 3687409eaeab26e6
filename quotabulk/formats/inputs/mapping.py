"""The mapping file (`--columns FILE`), one schema for the command line and the console:

```yaml
columns: {limit: "Лимит на месяц", warn_at: "Порог"}   # added to the built-in names
ignore: ["Коэффициент"]                                 # left alone on purpose
sheets:                                                 # per sheet, by name
  Склад: {columns: {limit: "Лимит на месяц"}, account: "ACC-300400"}
  Инструкция: skip
hidden: skip                                            # or read
```

A field at the top level (`limit: "Лимит на месяц"`, the older form) is read as an entry
of `columns:`. Names are compared normalised, like the built-in ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from quotabulk.domain import messages as said
from quotabulk.domain.errors import ConfigError
from quotabulk.domain.messages import Text
from quotabulk.formats.inputs.columns import ColumnAliases, Field, labels_of


class Hidden(StrEnum):
    """What to do with hidden rows and hidden managed columns, once the user decided."""

    READ = "read"
    SKIP = "skip"


@dataclass(frozen=True)
class SheetRule:
    """A mapping file's word about one sheet: leave it out, or more names and an account."""

    skip: bool = False
    mapped: Mapping[Field, frozenset[str]] = field(default_factory=dict)
    account: str | None = None


@dataclass(frozen=True)
class MappingFile:
    aliases: ColumnAliases = field(default_factory=ColumnAliases)
    sheets: Mapping[str, SheetRule] = field(default_factory=dict)
    hidden: Hidden | None = None


_KEYS = ("columns", "ignore", "sheets", "hidden")


def read_mapping_file(path: Path) -> MappingFile:
    from quotabulk.formats.inputs.yaml_safe import load_yaml_text

    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(
            said.MAPPING_UNREADABLE(path=str(path), detail=str(exc.strerror))
        ) from exc
    data = load_yaml_text(text, str(path))
    if not isinstance(data, dict):
        raise ConfigError(said.MAPPING_NOT_LINES(path=str(path)))
    where = str(path)
    given = data.get("columns") or {}
    if not isinstance(given, dict):
        raise ConfigError(said.MAPPING_HEADERS(path=where, key="columns"))
    columns = dict(given)
    columns.update((key, value) for key, value in data.items() if key not in _KEYS)
    mapped = _mapped(columns, where)
    ignored = labels_of(*_names(data.get("ignore", []), said.MAPPING_IGNORE(path=where)))
    aliases = ColumnAliases(ignored=ignored, mapped=mapped)
    return MappingFile(
        aliases, _sheets(data.get("sheets"), where), _hidden(data.get("hidden"), where)
    )


def _mapped(columns: Mapping[Any, Any], where: str) -> dict[Field, frozenset[str]]:
    mapped: dict[Field, frozenset[str]] = {}
    for key, value in columns.items():
        try:
            target = Field(str(key))
        except ValueError:
            known = ", ".join(f.value for f in Field)
            raise ConfigError(said.MAPPING_FIELD(path=where, key=str(key), known=known)) from None
        mapped[target] = labels_of(*_names(value, said.MAPPING_HEADERS(path=where, key=str(key))))
    return mapped


def _names(value: object, wrong: Text) -> list[str]:
    """A header or a list of headers; `wrong` says what is wrong otherwise."""
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError(wrong)
    return names


def _sheets(value: object, where: str) -> dict[str, SheetRule]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(said.MAPPING_SHEETS(path=where))
    rules: dict[str, SheetRule] = {}
    for name, rule in value.items():
        if rule == "skip":
            rules[str(name)] = SheetRule(skip=True)
            continue
        if not isinstance(rule, dict) or set(rule) - {"columns", "account"}:
            raise ConfigError(said.MAPPING_SHEETS(path=where))
        columns = rule.get("columns") or {}
        if not isinstance(columns, dict):
            raise ConfigError(said.MAPPING_SHEETS(path=where))
        account = rule.get("account")
        rules[str(name)] = SheetRule(
            mapped=_mapped(columns, where), account=None if account is None else str(account)
        )
    return rules


def _hidden(value: object, where: str) -> Hidden | None:
    if value is None:
        return None
    try:
        return Hidden(str(value))
    except ValueError:
        raise ConfigError(said.MAPPING_HIDDEN(path=where)) from None

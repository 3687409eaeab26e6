"""Which sheet column is which field: aliases, the header search, the mapping file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from quotabulk.domain.errors import ConfigError
from quotabulk.domain.models import OnExceed, RowAction

HEADER_SEARCH_ROWS = 50


class Field(StrEnum):
    MSISDN = "msisdn"
    LIMIT = "limit"
    WARN_AT = "warn_at"
    ON_EXCEED = "on_exceed"
    ACTION = "action"


def normalise_label(text: object) -> str:
    """Case, surrounding spaces, doubled spaces and ё do not distinguish two labels."""
    return " ".join(str(text).split()).casefold().replace("ё", "е")


def _labels(*names: str) -> frozenset[str]:
    return frozenset(normalise_label(name) for name in names)


DEFAULT_ALIASES: Mapping[Field, frozenset[str]] = {
    Field.MSISDN: _labels(
        "msisdn", "phone", "number", "Номер", "Номер телефона", "Абонентский номер"
    ),
    Field.LIMIT: _labels(
        "limit", "quota", "amount", "Квота", "Лимит", "Лимит, руб.", "Сумма квоты"
    ),
    Field.WARN_AT: _labels("warn_at", "warning", "Порог уведомления", "Порог"),
    Field.ON_EXCEED: _labels("on_exceed", "При превышении"),
    Field.ACTION: _labels("action", "Действие"),
}

ON_EXCEED_VALUES: Mapping[str, OnExceed] = {
    **dict.fromkeys(_labels("block", "блокировка", "блокировать"), OnExceed.BLOCK),
    **dict.fromkeys(_labels("personal", "личный счёт", "за счёт сотрудника"), OnExceed.PERSONAL),
}

ACTION_VALUES: Mapping[str, RowAction] = {
    **dict.fromkeys(_labels("set", "установить"), RowAction.SET),
    **dict.fromkeys(_labels("delete", "удалить"), RowAction.DELETE),
}


@dataclass(frozen=True)
class ColumnAliases:
    """The labels that name each field; a mapping file replaces a field's labels."""

    aliases: Mapping[Field, frozenset[str]] = field(default_factory=lambda: DEFAULT_ALIASES)

    def field_of(self, label: object) -> Field | None:
        key = normalise_label(label)
        for name, labels in self.aliases.items():
            if key in labels:
                return name
        return None

    @classmethod
    def from_mapping_file(cls, path: Path) -> ColumnAliases:
        """Read `--columns mapping.yaml`: `field: "Header"` or `field: [h1, h2]` per line."""
        from quotabulk.formats.inputs.yaml_safe import load_yaml_text

        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise ConfigError(f"cannot read the column mapping {path}: {exc.strerror}") from exc
        data = load_yaml_text(text, str(path))
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: a column mapping is a list of `field: header` lines")
        aliases = dict(DEFAULT_ALIASES)
        for key, value in data.items():
            try:
                target = Field(str(key))
            except ValueError:
                known = ", ".join(f.value for f in Field)
                raise ConfigError(f"{path}: unknown field '{key}'; use one of {known}") from None
            names = [value] if isinstance(value, str) else value
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise ConfigError(f"{path}: '{key}' must name a header or a list of headers")
            aliases[target] = _labels(*names)
        return cls(aliases)


@dataclass(frozen=True)
class Header:
    """A recognised header row: where it is, which index holds which field, the rest."""

    row_index: int
    fields: Mapping[Field, int]
    labels: Sequence[str]
    extra_indexes: tuple[int, ...]

    @property
    def extra_columns(self) -> tuple[str, ...]:
        return tuple(self.labels[i] for i in self.extra_indexes)

    def label(self, name: Field) -> str:
        return self.labels[self.fields[name]]


class AmbiguousHeader(ValueError):
    """Two columns of one header row name the same field."""


def match_header(row: Sequence[object], row_index: int, aliases: ColumnAliases) -> Header | None:
    """The header this row is, if it names a phone column and a limit or action column."""
    fields: dict[Field, int] = {}
    labels = [_cell_label(cell) for cell in row]
    extras: list[int] = []
    for index, label in enumerate(labels):
        name = aliases.field_of(label) if label else None
        if name is None:
            if label:
                extras.append(index)
            continue
        if name in fields:
            raise AmbiguousHeader(
                f"columns «{labels[fields[name]]}» and «{label}» both look like {name.value}"
            )
        fields[name] = index
    if Field.MSISDN not in fields or not (Field.LIMIT in fields or Field.ACTION in fields):
        return None
    return Header(row_index, fields, labels, tuple(extras))


def _cell_label(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()

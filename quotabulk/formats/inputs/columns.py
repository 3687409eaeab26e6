"""Which sheet column is which field: the vocabulary of headers and words, the header
search, and the mapping file (`--columns`). Headers are compared after normalising:
case, `ё`, spaces, punctuation and a trailing money unit do not count, so «Лимит, руб»,
«ЛИМИТ (₽)» and «лимит» are one label, and the whole label must equal an alias."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from quotabulk.domain import messages as said
from quotabulk.domain.errors import ConfigError
from quotabulk.domain.messages import Text
from quotabulk.domain.models import OnExceed, RowAction

HEADER_SEARCH_ROWS = 50


class Field(StrEnum):
    MSISDN = "msisdn"
    LIMIT = "limit"
    WARN_AT = "warn_at"
    ON_EXCEED = "on_exceed"
    ACTION = "action"


# A money unit at the end of a header: «, руб.», «(руб)», «руб», «₽», «rub».
_MONEY_UNIT = re.compile(r"[\s,;:(\[]*(руб(лей|ля)?\.?|р\.|₽|rub\.?|rur)[\s)\].]*$")
_PUNCTUATION = re.compile(r"[^\w\s%]")


def normalise_label(text: object) -> str:
    """Case, ё, spaces, punctuation and a trailing money unit do not distinguish two
    labels; `%` stays, so a header in percent never reads as one in rubles."""
    folded = str(text).casefold().replace("ё", "е")
    folded = _PUNCTUATION.sub(" ", _MONEY_UNIT.sub("", folded))
    return " ".join(folded.split())


def _labels(*names: str) -> frozenset[str]:
    return frozenset(normalise_label(name) for name in names)


DEFAULT_ALIASES: Mapping[Field, frozenset[str]] = {
    Field.MSISDN: _labels(
        "msisdn",
        "phone",
        "number",
        "Номер",
        "Телефон",
        "Номер телефона",
        "Абонентский номер",
        "Мобильный",
        "Мобильный телефон",
    ),
    Field.LIMIT: _labels(
        "limit",
        "quota",
        "amount",
        "Квота",
        "Лимит",
        "Сумма квоты",
        "Лимит в месяц",
        "Месячный лимит",
    ),
    Field.WARN_AT: _labels("warn_at", "warning", "Порог", "Порог уведомления", "Уведомить при"),
    Field.ON_EXCEED: _labels(
        "on_exceed", "При превышении", "При превышении лимита", "При превышении квоты"
    ),
    Field.ACTION: _labels("action", "Действие"),
}
MONEY_FIELDS = (Field.LIMIT, Field.WARN_AT)
# Words that say a header is about a field, though it is none of its aliases: such a
# column must be mapped or ignored on purpose, never silently left alone.
CONCEPT_WORDS: Mapping[Field, tuple[str, ...]] = {
    Field.WARN_AT: ("порог", "уведомл", "warn"),
    Field.ON_EXCEED: ("превышен", "exceed"),
}
TOTAL_WORDS = frozenset({"итого", "всего", "total"})

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
    """The labels that name each field; a mapping file replaces a field's labels and
    lists, under `ignore:`, headers to leave alone on purpose."""

    aliases: Mapping[Field, frozenset[str]] = field(default_factory=lambda: DEFAULT_ALIASES)
    ignored: frozenset[str] = frozenset()

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
            raise ConfigError(
                said.MAPPING_UNREADABLE(path=str(path), detail=str(exc.strerror))
            ) from exc
        data = load_yaml_text(text, str(path))
        if not isinstance(data, dict):
            raise ConfigError(said.MAPPING_NOT_LINES(path=str(path)))
        aliases = dict(DEFAULT_ALIASES)
        ignored: frozenset[str] = frozenset()
        for key, value in data.items():
            if key == "ignore":
                names = [value] if isinstance(value, str) else value
                if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                    raise ConfigError(said.MAPPING_IGNORE(path=str(path)))
                ignored = _labels(*names)
                continue
            try:
                target = Field(str(key))
            except ValueError:
                known = ", ".join(f.value for f in Field)
                raise ConfigError(
                    said.MAPPING_FIELD(path=str(path), key=str(key), known=known)
                ) from None
            names = [value] if isinstance(value, str) else value
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise ConfigError(said.MAPPING_HEADERS(path=str(path), key=str(key)))
            aliases[target] = _labels(*names)
        return cls(aliases, ignored)


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

    def unmanaged(self, aliases: ColumnAliases) -> list[str]:
        """The other columns, carried to the report but not managed, less those the
        mapping file ignores on purpose."""
        return [
            label for label in self.extra_columns if normalise_label(label) not in aliases.ignored
        ]

    def unrecognised_concepts(self, aliases: ColumnAliases) -> list[tuple[Field, str]]:
        """Headers that speak of a field (a threshold, an overflow rule) that no column
        was recognised as: (field, header), for an error that names them."""
        found = []
        for name, words in CONCEPT_WORDS.items():
            if name in self.fields:
                continue
            for label in self.unmanaged(aliases):
                if any(word in normalise_label(label) for word in words):
                    found.append((name, label))
        return found

    def label(self, name: Field) -> str:
        return self.labels[self.fields[name]]


class AmbiguousHeader(ValueError):
    """Two columns of one header row name the same field; `text` says which."""

    def __init__(self, text: Text) -> None:
        super().__init__(str(text))
        self.text = text


def match_header(row: Sequence[object], row_index: int, aliases: ColumnAliases) -> Header | None:
    """The header this row is, if it names a phone column and a limit or action column."""
    fields: dict[Field, int] = {}
    labels = [_cell_label(cell) for cell in row]
    extras: list[int] = []
    for index, label in enumerate(labels):
        name = aliases.field_of(label) if label else None
        if name is None and label and "%" in label:
            unpercented = aliases.field_of(label.replace("%", ""))
            if unpercented in MONEY_FIELDS:
                raise AmbiguousHeader(said.PERCENT_HEADER(label=label, field=unpercented.value))
        if name is None:
            if label:
                extras.append(index)
            continue
        if name in fields:
            first = labels[fields[name]]
            raise AmbiguousHeader(
                said.TWO_COLUMNS_ONE_FIELD(first=first, second=label, field=name.value)
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

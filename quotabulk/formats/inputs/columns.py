"""Which sheet column is which field: the vocabulary of headers and words, the header
search, and the mapping file (`--columns`). Headers are compared after normalising:
case, `ё`, spaces, punctuation and a trailing money unit do not count, so «Лимит, руб»,
«ЛИМИТ (₽)» and «лимит» are one label, and the whole label must equal an alias."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from quotabulk.domain import messages as said
from quotabulk.domain.messages import Text
from quotabulk.domain.models import OnExceed, RowAction

HEADER_SEARCH_ROWS = 50


class Field(StrEnum):
    MSISDN = "msisdn"
    LIMIT = "limit"
    WARN_AT = "warn_at"
    ON_EXCEED = "on_exceed"
    ACTION = "action"
    ACCOUNT = "account"
    VALID_FROM = "from"
    VALID_UNTIL = "until"


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
    Field.ACCOUNT: _labels("account", "Лицевой счёт", "ЛС", "Счёт", "Номер лицевого счёта"),
    Field.VALID_FROM: _labels("from", "valid_from", "Действует с", "С", "Дата начала"),
    Field.VALID_UNTIL: _labels("until", "valid_until", "Действует по", "По", "Дата окончания"),
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
    """The labels that name each field: the built-in ones, and those a mapping file
    (`--columns`) adds (`mapped`). A column a mapping names wins over a built-in match
    in the same sheet; `ignored` lists headers left alone on purpose."""

    aliases: Mapping[Field, frozenset[str]] = field(default_factory=lambda: DEFAULT_ALIASES)
    ignored: frozenset[str] = frozenset()
    mapped: Mapping[Field, frozenset[str]] = field(default_factory=dict)

    def field_of(self, label: object) -> Field | None:
        return self.mapped_field(label) or self.built_in_field(label)

    def mapped_field(self, label: object) -> Field | None:
        return _field_in(self.mapped, normalise_label(label)) if self.mapped else None

    def built_in_field(self, label: object) -> Field | None:
        return _field_in(self.aliases, normalise_label(label))

    def adding(self, mapped: Mapping[Field, frozenset[str]]) -> ColumnAliases:
        """These aliases with more mapped names (a sheet's own `columns:`)."""
        if not mapped:
            return self
        merged = dict(self.mapped)
        for name, labels in mapped.items():
            merged[name] = merged.get(name, frozenset()) | labels
        return ColumnAliases(self.aliases, self.ignored, merged)


def _field_in(aliases: Mapping[Field, frozenset[str]], key: str) -> Field | None:
    for name, labels in aliases.items():
        if key in labels:
            return name
    return None


def labels_of(*names: str) -> frozenset[str]:
    """Header names as they are compared: normalised."""
    return _labels(*names)


@dataclass(frozen=True)
class Header:
    """A recognised header row: where it is, which index holds which field, the rest."""

    row_index: int
    fields: Mapping[Field, int]
    labels: Sequence[str]
    extra_indexes: tuple[int, ...]
    # The last row of a header block (a merged «Лимит» over «сумма» and «порог»): data
    # starts below it. The same as `row_index` for a header of one row.
    last_row_index: int = -1

    def __post_init__(self) -> None:
        if self.last_row_index < self.row_index:
            object.__setattr__(self, "last_row_index", self.row_index)

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


def match_header(
    row: Sequence[object],
    row_index: int,
    aliases: ColumnAliases,
    parts: Sequence[Sequence[str]] | None = None,
    last_row_index: int = -1,
) -> Header | None:
    """The header this row is, if it names a phone column and a limit or action column.
    `parts`: a header block's labels per column, parent first («Лимит», «порог, руб.»);
    `row` then holds the composed labels. A column matches by its whole label, then its
    leaf, then its parents; a name from the mapping file before a built-in one, and a
    column the mapping names wins over a built-in match of the same field."""
    fields: dict[Field, int] = {}
    by_mapping: set[Field] = set()
    labels = [cell_label(cell) for cell in row]
    extras: list[int] = []
    for index, label in enumerate(labels):
        candidates = _candidates(label, parts[index] if parts and index < len(parts) else ())
        name, mapped = _field_of_column(candidates, label, aliases)
        if name is None:
            if label:
                extras.append(index)
            continue
        if name in fields:
            if mapped and name not in by_mapping:  # the mapping's column wins
                extras.append(fields[name])
            elif name in by_mapping and not mapped:
                extras.append(index)
                continue
            else:
                first = labels[fields[name]]
                raise AmbiguousHeader(
                    said.TWO_COLUMNS_ONE_FIELD(first=first, second=label, field=name.value)
                )
        fields[name] = index
        if mapped:
            by_mapping.add(name)
    if Field.MSISDN not in fields or not (Field.LIMIT in fields or Field.ACTION in fields):
        return None
    return Header(row_index, fields, labels, tuple(sorted(extras)), last_row_index)


def _candidates(label: str, parts: Sequence[str]) -> list[str]:
    """What a column is matched by, in order: the whole label, its leaf, its parents."""
    if len(parts) < 2:
        return [label] if label else []
    return [label, *reversed(parts)]


def _field_of_column(
    candidates: Sequence[str], label: str, aliases: ColumnAliases
) -> tuple[Field | None, bool]:
    """(field, named by the mapping file) for a column, or (None, False). A candidate in
    percent that would otherwise be a money field stops the reading."""
    if label and normalise_label(label) in aliases.ignored:
        return None, False  # left alone on purpose: never a field, even by its parent
    for candidate in candidates:
        name = aliases.mapped_field(candidate)
        if name is not None:
            return name, True
    for candidate in candidates:
        name = aliases.built_in_field(candidate)
        if name is not None:
            return name, False
        if "%" in candidate:
            unpercented = aliases.field_of(candidate.replace("%", ""))
            if unpercented in MONEY_FIELDS:
                raise AmbiguousHeader(said.PERCENT_HEADER(label=label, field=unpercented.value))
    return None, False


def cell_label(cell: object) -> str:
    """A header cell as a label: stripped text, a whole float without its `.0`."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()

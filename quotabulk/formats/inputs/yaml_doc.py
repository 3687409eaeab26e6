"""The versioned YAML document; its sources are `file:line` of each entry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from quotabulk.domain import messages as said
from quotabulk.domain.amounts import AmountError, parse_amount
from quotabulk.domain.errors import InputError, Location, RowProblem
from quotabulk.domain.models import InvalidRow, OnExceed
from quotabulk.formats.inputs.base import Loaded, LoadOptions
from quotabulk.formats.inputs.columns import ON_EXCEED_VALUES, Field, normalise_label
from quotabulk.formats.inputs.rows import RawRow, RowShape, build_row, cell_text
from quotabulk.formats.inputs.yaml_safe import LINE_KEY, load_yaml_text

DOCUMENT_VERSION = 1
_LABELS = {name: name.value for name in Field}
_KNOWN_KEYS = {
    "msisdn",
    "limit",
    "warn_at",
    "on_exceed",
    "delete",
    "action",
    "from",
    "until",
    LINE_KEY,
}
_TOP_KEYS = {"version", "account", "defaults", "quotas"}


def load_yaml(path: Path, name: str, options: LoadOptions) -> Loaded:
    """Read a `version: 1` document; unknown top-level keys are an error, unknown entry keys
    are extra columns."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(name, said.YAML_NOT_UTF8()) from None
    except OSError as exc:
        raise InputError(name, said.CANNOT_READ(detail=str(exc.strerror))) from None
    document = load_yaml_text(text, name, mark_lines=True)
    if not isinstance(document, dict):
        raise InputError(name, said.NOT_A_DOCUMENT())
    document.pop(LINE_KEY, None)
    _check_top_level(document, name)
    shape = _shape(document.get("defaults"), name)
    account = document.get("account")
    if account is not None:  # the document's rows are that account's
        shape = replace(shape, default_account=cell_text(account).strip() or None)
    loaded = Loaded()
    for index, entry in enumerate(document["quotas"], start=1):
        _add_entry(loaded, entry, index, name, shape)
    return loaded


def _check_top_level(document: dict[str, Any], name: str) -> None:
    unknown = sorted(str(key) for key in document if key not in _TOP_KEYS)
    if unknown:
        known = ", ".join(sorted(_TOP_KEYS))
        raise InputError(name, said.UNKNOWN_KEY(key=str(unknown[0]), known=known))
    if document.get("version") != DOCUMENT_VERSION:
        found = repr(document.get("version"))
        raise InputError(name, said.WRONG_VERSION(version=DOCUMENT_VERSION, found=found))
    quotas = document.get("quotas")
    if not isinstance(quotas, list):
        raise InputError(name, said.NO_QUOTAS())
    if not quotas:
        raise InputError(name, said.EMPTY_QUOTAS())


def _shape(defaults: object, name: str) -> RowShape:
    if defaults is None:
        return RowShape(_LABELS)
    if not isinstance(defaults, dict):
        raise InputError(name, said.DEFAULTS_NOT_MAPPING())
    defaults.pop(LINE_KEY, None)
    unknown = set(defaults) - {"on_exceed", "warn_at"}
    if unknown:
        raise InputError(name, said.DEFAULTS_KEY(key=sorted(map(str, unknown))[0]))
    on_exceed: OnExceed | None = None
    if defaults.get("on_exceed") is not None:
        on_exceed = ON_EXCEED_VALUES.get(normalise_label(defaults["on_exceed"]))
        if on_exceed is None:
            value = defaults["on_exceed"]
            raise InputError(name, said.DEFAULTS_ON_EXCEED(value=f"'{value}'"))
    warn_at = None
    if defaults.get("warn_at") is not None:
        try:
            warn_at = parse_amount(defaults["warn_at"])
        except AmountError as exc:
            raise InputError(name, said.DEFAULTS_WARN_AT(detail=exc.text)) from None
    return RowShape(_LABELS, (), on_exceed, warn_at, manages_warn_at="warn_at" in defaults)


def _add_entry(loaded: Loaded, entry: object, index: int, name: str, shape: RowShape) -> None:
    if not isinstance(entry, dict):
        source = str(Location(name, None, index))
        problem = RowProblem(source, None, said.NOT_A_MAPPING(index=index))
        loaded.invalid.append(InvalidRow(source, "", (problem,)))
        return
    source = str(Location(name, None, int(entry.get(LINE_KEY, index))))
    extras = {str(key): cell_text(value) for key, value in entry.items() if key not in _KNOWN_KEYS}
    # A key that is not given is not managed; `warn_at: null` is given and means "none".
    own_warn = "warn_at" in entry
    entry_shape = replace(
        shape,
        extra_columns=tuple(extras),
        default_warn_at=None if own_warn else shape.default_warn_at,
        manages_warn_at=own_warn or shape.manages_warn_at,
    )
    result = build_row(source, _cells(entry), entry_shape, tuple(extras.values()))
    if isinstance(result, InvalidRow):
        loaded.invalid.append(result)
    else:
        loaded.rows.append(result)


def _cells(entry: Mapping[Any, Any]) -> RawRow:
    action = entry.get("action")
    if action is None:
        action = entry.get("delete", False)
    return RawRow(
        entry.get("msisdn"),
        entry.get("limit"),
        entry.get("warn_at"),
        entry.get("on_exceed"),
        action if isinstance(action, bool) else str(action),
        None,
        entry.get("from"),
        entry.get("until"),
    )

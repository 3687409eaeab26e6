"""The report's columns, as one table every format reads: a new column derived from what
a run knows is one `Column` entry, and it appears in the `.xlsx`, `.csv` and `.json`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from quotabulk.domain.models import ActionKind, Quota, describe_quota
from quotabulk.domain.outcomes import RowResult

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """`key` is the header and the JSON key; `text` the cell as text (CSV, and the xlsx's
    text cells); `json` the value in a JSON report. A `quota` column's xlsx cell is the
    limit as a number, shown with the whole quota; the `outcome` column is coloured."""

    key: str
    text: Callable[[RowResult], str]
    json: Callable[[RowResult], Any]
    quota: Callable[[RowResult], Quota | None] | None = None


def _plain(
    read: Callable[[RowResult], str | None],
) -> tuple[Callable[..., str], Callable[..., Any]]:
    return (lambda row: read(row) or ""), read


def _quota_json(quota: Quota | None) -> dict[str, Any] | None:
    return None if quota is None else quota.to_json()


def _before_text(row: RowResult) -> str:
    if row.before is None and row.action in (ActionKind.INVALID, ActionKind.UNCHANGED):
        return ""
    return describe_quota(row.before)


def _after_text(row: RowResult) -> str:
    return "" if row.action is ActionKind.INVALID else describe_quota(row.after)


COLUMNS: tuple[Column, ...] = (
    Column("source", *_plain(lambda row: row.source)),
    Column("msisdn", *_plain(lambda row: row.msisdn)),
    Column("action", *_plain(lambda row: row.action.value)),
    Column("before", _before_text, lambda row: _quota_json(row.before), lambda row: row.before),
    Column("after", _after_text, lambda row: _quota_json(row.after), lambda row: row.after),
    Column("request_id", *_plain(lambda row: row.request_id)),
    Column("request_status", *_plain(lambda row: row.request_status)),
    Column("outcome", *_plain(lambda row: row.outcome.value)),
    Column("error", *_plain(lambda row: row.error)),
)


def keys() -> tuple[str, ...]:
    """The headers (and JSON keys), in order."""
    return tuple(column.key for column in COLUMNS)


def extra_columns(rows: Sequence[RowResult]) -> list[str]:
    """The inputs' own columns, in the order they first appear, after the fixed ones."""
    seen: dict[str, None] = {}
    fixed = keys()
    for row in rows:
        for name in row.extras.columns:
            if name not in fixed:
                seen.setdefault(name, None)
    return list(seen)


def text_cells(row: RowResult, extras: Sequence[str]) -> list[str]:
    """Every cell as text, in column order (CSV, and the text parts of the xlsx)."""
    own = row.extras.as_dict()
    return [*(column.text(row) for column in COLUMNS), *(own.get(name, "") for name in extras)]


def row_json(row: RowResult) -> dict[str, Any]:
    """A row of a JSON report (and of `--format json`): the English machine contract."""
    return {
        **{column.key: column.json(row) for column in COLUMNS},
        "extras": row.extras.as_dict(),
    }


def inert(text: str) -> str:
    """OWASP CSV-injection guidance: a leading apostrophe keeps a spreadsheet from running
    the text as a formula; the original text follows it unchanged."""
    return "'" + text if text.startswith(FORMULA_START) else text

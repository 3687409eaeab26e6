"""The report's columns and cells, shared by every format."""

from __future__ import annotations

from collections.abc import Sequence

from quotabulk.domain.models import describe_quota
from quotabulk.domain.outcomes import RowResult

COLUMNS = (
    "source",
    "msisdn",
    "action",
    "before",
    "after",
    "request_id",
    "request_status",
    "outcome",
    "error",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def extra_columns(rows: Sequence[RowResult]) -> list[str]:
    """The inputs' own columns, in the order they first appear, after the fixed ones."""
    seen: dict[str, None] = {}
    for row in rows:
        for name in row.extras.columns:
            if name not in COLUMNS:
                seen.setdefault(name, None)
    return list(seen)


def text_cells(row: RowResult, extras: Sequence[str]) -> list[str]:
    """Every cell as text, in column order (CSV, and the text parts of the xlsx)."""
    own = row.extras.as_dict()
    return [
        row.source,
        row.msisdn,
        row.action,
        ""
        if row.before is None and row.action in ("invalid", "unchanged")
        else describe_quota(row.before),
        "" if row.action == "invalid" else describe_quota(row.after),
        row.request_id or "",
        row.request_status or "",
        row.outcome.value,
        row.error or "",
        *(own.get(name, "") for name in extras),
    ]


def inert(text: str) -> str:
    """OWASP CSV-injection guidance: a leading apostrophe keeps a spreadsheet from running
    the text as a formula; the original text follows it unchanged."""
    return "'" + text if text.startswith(FORMULA_START) else text

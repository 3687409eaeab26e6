"""The report's columns, as one table every format reads: a new column derived from what
a run knows is one `Column` entry, and it appears in the `.xlsx`, `.csv` and `.json`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from quotabulk.domain.language import Language
from quotabulk.domain.models import ActionKind, OnExceed, Quota
from quotabulk.domain.outcomes import RowResult
from quotabulk.formats.language import (
    action_word,
    header,
    outcome_word,
    plain_amount,
    quota_details,
    status_word,
    word,
)
from quotabulk.i18n import say

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """`key` is the JSON key (and, translated, the header); `text` the cell as a person
    reads it in a language (CSV, and the xlsx's text cells); `json` the value in a JSON
    report. A `quota` column's xlsx cell is the limit as a number, shown with the rest of
    the quota."""

    key: str
    text: Callable[[RowResult, Language], str]
    json: Callable[[RowResult], Any]
    quota: Callable[[RowResult], Quota | None] | None = None
    # A number the sheet sums (a limit or a threshold), blank where there is none.
    amount: Callable[[RowResult], Decimal | None] | None = None


def _plain(
    read: Callable[[RowResult], str | None],
) -> tuple[Callable[..., str], Callable[..., Any]]:
    return (lambda row, _lang: read(row) or ""), read


def _quota_json(quota: Quota | None) -> dict[str, Any] | None:
    return None if quota is None else quota.to_json()


def quota_gap(row: RowResult, quota: Quota | None, *, before: bool) -> str | None:
    """Why a quota cell holds no amount, in words; None when it holds one."""
    if row.action in (ActionKind.INVALID, ActionKind.SKIPPED):
        return "not_read" if before and not row.state_known else ""
    return "no_quota" if quota is None else None


def quota_text(row: RowResult, quota: Quota | None, lang: Language, *, before: bool) -> str:
    """`1500,00` — a number the sheet sums — followed by the threshold and the rule on
    exceeding only when the quota has more than a plain limit."""
    gap = quota_gap(row, quota, before=before)
    if gap is not None or quota is None:
        return word(gap, lang) if gap else ""
    amount = plain_amount(quota.limit, lang)
    if quota.warn_at is None and quota.on_exceed is OnExceed.BLOCK:
        return amount
    return f"{amount} ({quota_details(quota, lang)})"


def _planned(row: RowResult) -> bool:
    return row.action not in (ActionKind.INVALID, ActionKind.SKIPPED)


def _now(row: RowResult) -> Quota | None:
    """The quota as the run left it: the new one where the change took (or nothing was
    to change), the old one where it did not."""
    return row.after if row.outcome.good else row.before


def _amount_column(
    key: str, quota: Callable[[RowResult], Quota | None], part: Callable[[Quota], Decimal | None]
) -> Column:
    def amount(row: RowResult) -> Decimal | None:
        found = quota(row) if _planned(row) else None
        return None if found is None else part(found)

    def text(row: RowResult, lang: Language) -> str:
        value = amount(row)
        return "" if value is None else plain_amount(value, lang)

    def json(row: RowResult) -> str | None:
        value = amount(row)
        return None if value is None else str(value)

    return Column(key, text, json, amount=amount)


def _limit(quota: Quota) -> Decimal | None:
    return quota.limit


def _warn(quota: Quota) -> Decimal | None:
    return quota.warn_at


def reason_text(row: RowResult, lang: Language) -> str:
    """The reason in the report's language: a row's own problems from the catalogue, each
    after its column; the operator's words (already Russian) and older journals' English
    stay as they are."""
    if row.said:
        return "; ".join(
            f"{p.column}: {say(p.text, lang)}" if p.column else say(p.text, lang) for p in row.said
        )
    return row.error or ""


COLUMNS: tuple[Column, ...] = (
    Column("source", *_plain(lambda row: row.source)),
    Column("msisdn", *_plain(lambda row: row.msisdn)),
    Column(
        "action",
        lambda row, lang: action_word(row.action, lang),
        lambda row: row.action.value,
    ),
    Column(
        "before",
        lambda row, lang: quota_text(row, row.before, lang, before=True),
        lambda row: _quota_json(row.before),
        lambda row: row.before,
    ),
    Column(
        "after",
        lambda row, lang: quota_text(row, row.after, lang, before=False),
        lambda row: _quota_json(row.after),
        lambda row: row.after,
    ),
    Column("request_id", *_plain(lambda row: row.request_id)),
    Column(
        "request_status",
        lambda row, lang: status_word(row.request_status or "", lang),
        lambda row: row.request_status,
    ),
    Column(
        "outcome",
        lambda row, lang: outcome_word(row.outcome, lang),
        lambda row: row.outcome.value,
    ),
    Column(
        "error",
        reason_text,
        lambda row: row.error,
    ),
)
# Beside the readable «Было»/«Стало», the same amounts as numbers a sheet sums; after the
# inputs' own columns, so the columns every script reads keep their places, and outside
# the printed area, so the printed page keeps a readable size.
AMOUNTS: tuple[Column, ...] = (
    _amount_column("limit_before", lambda row: row.before, _limit),
    _amount_column("warn_before", lambda row: row.before, _warn),
    _amount_column("limit_planned", lambda row: row.after, _limit),
    _amount_column("warn_planned", lambda row: row.after, _warn),
    _amount_column("limit_now", _now, _limit),
    _amount_column("warn_now", _now, _warn),
)


# With several accounts, the row's account: first among the inputs' own columns, in the
# printed area (a reader sorts and filters by it), after every column a script reads.
ACCOUNT = Column("account", *_plain(lambda row: row.account))


def reading_order(rows: Sequence[RowResult]) -> list[RowResult]:
    """The rows as the inputs hold them: by file and sheet (in the order they first
    appear), then by row, invalid and skipped rows where they stand; rows without a
    place of their own (a prune) last, in their order."""
    places: dict[str, int] = {}
    keyed: list[tuple[int, int, int]] = []
    for index, row in enumerate(rows):
        head, _, tail = row.source.rpartition(":")
        if head and tail.isdigit():
            keyed.append((places.setdefault(head, len(places)), int(tail), index))
        else:
            keyed.append((1 << 30, index, index))
    return [rows[index] for *_, index in sorted(keyed)]


def keys() -> tuple[str, ...]:
    """The JSON keys, in order."""
    return tuple(column.key for column in (*COLUMNS, *AMOUNTS))


# The columns between the fixed ones and the amounts: the account (several accounts),
# then the inputs' own columns by name.
Extra = Column | str


def layout(extras: Sequence[Extra]) -> list[Column | str]:
    """The columns of a `.xlsx` or `.csv` report, in order: the fixed ones, the inputs'
    own (by name), then the amounts."""
    return [*COLUMNS, *extras, *AMOUNTS]


def headers(lang: Language, extras: Sequence[Extra]) -> list[str]:
    """The header row of a `.xlsx` or `.csv` report: fixed columns in the language, then
    the inputs' own columns as the user named them, then the amounts."""
    return [c if isinstance(c, str) else header(c.key, lang) for c in layout(extras)]


def extra_columns(rows: Sequence[RowResult]) -> list[Extra]:
    """The account when the rows are of several accounts, then the inputs' own columns
    in the order they first appear, after the fixed ones."""
    seen: dict[str, None] = {}
    fixed = {*keys(), *(header(key, lang) for key in keys() for lang in Language)}
    fixed |= {header(ACCOUNT.key, lang) for lang in Language}
    for row in rows:
        for name in row.extras.columns:
            if name not in fixed:
                seen.setdefault(name, None)
    several = any(row.account is not None for row in rows)
    return [*([ACCOUNT] if several else []), *seen]


def text_cells(row: RowResult, extras: Sequence[Extra], lang: Language) -> list[str]:
    """Every cell as text, in column order (CSV, and the text parts of the xlsx)."""
    own = row.extras.as_dict()
    return [
        *(column.text(row, lang) for column in COLUMNS),
        *(
            name.text(row, lang) if isinstance(name, Column) else own.get(name, "")
            for name in extras
        ),
        *(column.text(row, lang) for column in AMOUNTS),
    ]


def row_json(row: RowResult) -> dict[str, Any]:
    """A row of a JSON report (and of `--format json`): the English machine contract;
    with several accounts, each row's `account` too."""
    return {
        **{column.key: column.json(row) for column in (*COLUMNS, *AMOUNTS)},
        **({"account": row.account} if row.account is not None else {}),
        "extras": row.extras.as_dict(),
    }


def inert(text: str) -> str:
    """OWASP CSV-injection guidance: a leading apostrophe keeps a spreadsheet from running
    the text as a formula; the original text follows it unchanged."""
    return "'" + text if text.startswith(FORMULA_START) else text

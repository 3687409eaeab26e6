"""Quotas that hold for a period («Действует с» / «Действует по»): which row of a number
holds on a given day, what is scheduled after it, and the checks only the union of the
inputs can make.

A number may have several rows when their periods do not overlap, plus at most one row
without dates — its standing quota, which holds outside the periods. Nothing is guessed
about the days outside: a number with dated rows and no standing row is refused.
Both ends of a period are inclusive days in the account's zone.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from operator import attrgetter

from quotabulk.domain import messages as said
from quotabulk.domain.errors import RowProblem
from quotabulk.domain.messages import Text
from quotabulk.domain.models import DesiredRow, InvalidRow, Loaded, SkippedRow

# Why a row does not hold today, in the finance team's words (like every skipped reason).
PERIOD_ENDED = "период закончился {day}"
PERIOD_AHEAD = "запланировано на {period}"
STANDING_AGAIN = "снова действует с {day}"


_DAY = re.compile(r"(\d\d)\.(\d\d)\.(\d{4})")


def scheduled_day(reason: str | None) -> date | None:
    """The day a `scheduled` row's reason (written here) says it holds from."""
    found = _DAY.search(reason or "")
    if found is None:
        return None
    return date(int(found[3]), int(found[2]), int(found[1]))


def day_text(day: date) -> str:
    """01.12.2026: how a Russian finance sheet writes a day (in every language)."""
    return day.strftime("%d.%m.%Y")


def period_text(row: DesiredRow) -> str:
    start = day_text(row.valid_from) if row.valid_from else "…"
    end = day_text(row.valid_until) if row.valid_until else "…"
    return f"{start}–{end}"


_FROM, _UNTIL = attrgetter("valid_from"), attrgetter("valid_until")


def has_periods(rows: Sequence[DesiredRow]) -> bool:
    """Whether any row is dated: two loops in C, so a million rows without periods (the
    common case) pay ~20 ms, not a Python call each."""
    return any(map(_FROM, rows)) or any(map(_UNTIL, rows))


def _overlap(a: DesiredRow, b: DesiredRow) -> bool:
    a_start, b_start = a.valid_from or date.min, b.valid_from or date.min
    a_end, b_end = a.valid_until or date.max, b.valid_until or date.max
    return a_start <= b_end and b_start <= a_end


def check_periods(groups: Iterable[Sequence[DesiredRow]]) -> list[InvalidRow]:
    """The problems of the numbers that have dated rows (each group: one number's rows,
    in input order): overlapping periods (both rows named), more than one standing row,
    or none at all. Every row of a number with a problem is invalid: which of its rows
    would hold is exactly what is in doubt."""
    invalid: list[InvalidRow] = []
    for rows in groups:
        problems = _problems(rows)
        if not problems:
            continue
        for row in rows:
            found = problems.get(id(row)) or [
                RowProblem(row.source, None, said.NUMBER_IN_DOUBT(msisdn=row.msisdn))
            ]
            invalid.append(InvalidRow(row.source, row.msisdn, tuple(found), row.extras))
    return invalid


def _problems(rows: Sequence[DesiredRow]) -> dict[int, list[RowProblem]]:
    problems: dict[int, list[RowProblem]] = {}

    def add(row: DesiredRow, message: Text) -> None:
        problems.setdefault(id(row), []).append(RowProblem(row.source, None, message))

    standing = [row for row in rows if not row.dated]
    dated = [row for row in rows if row.dated]
    if not standing:
        for row in dated:
            add(row, said.ONLY_PERIODS(msisdn=row.msisdn))
    for row in standing[1:]:
        add(row, said.TWO_STANDING(msisdn=row.msisdn, first=standing[0].source))
    for i, a in enumerate(dated):
        for b in dated[i + 1 :]:
            if _overlap(a, b):
                add(a, said.PERIODS_OVERLAP(other=b.source, period=period_text(b)))
                add(b, said.PERIODS_OVERLAP(other=a.source, period=period_text(a)))
    return problems


@dataclass(frozen=True)
class Scheduled:
    """What a number's quota becomes on `day` (a period starts, or ends and the standing
    row holds again): shown beside the plan, and in the console's calendar."""

    day: date
    msisdn: str
    before: DesiredRow  # the row that holds the day before
    row: DesiredRow  # the row that holds from `day`
    until: date | None  # the last day it holds, when it is a period
    then: DesiredRow | None  # what holds after it, when it is a period


def schedule_digest(rows: Sequence[DesiredRow]) -> str:
    """What a checker approves of inputs with periods: the desired state on every day they
    define — every valid row with its period, in a canonical order — whatever the day it
    is read on. The same files give the same digest every night; a changed row, another."""
    digest = hashlib.sha256(b"quotabulk-schedule-1\n")
    for row in sorted(rows, key=lambda r: (r.msisdn, r.valid_from or date.min)):
        line = (
            f"{row.account or ''}|{row.msisdn}|{row.action.value}|{row.limit}|"
            f"{row.warn_at if row.manages_warn_at else '-'}|{row.on_exceed or ''}|"
            f"{row.valid_from or ''}|{row.valid_until or ''}\n"
        )
        digest.update(line.encode())
    return digest.hexdigest()


def calendar(schedule: Sequence[Scheduled]) -> tuple[Text, ...]:
    """The schedule in plain words, one sentence a change by day, amounts as amounts
    (each reader's language writes them its way): the console's calendar."""
    lines = []
    for change in schedule:
        parts = {
            "day": day_text(change.day),
            "msisdn": change.msisdn,
            "before": _limit(change.before),
            "after": _limit(change.row),
            "source": change.row.source,
        }
        if change.until is not None and change.then is not None:
            lines.append(
                said.SCHEDULED_PERIOD(**parts, end=day_text(change.until), then=_limit(change.then))
            )
        else:
            lines.append(said.SCHEDULED_CHANGE(**parts))
    return tuple(lines)


def _limit(row: DesiredRow) -> Text | Decimal:
    return said.NO_QUOTA() if row.limit is None else row.limit


def take_day(loaded: Loaded, day: date) -> list[Scheduled]:
    """Keep in `loaded.rows` the one row of each dated number that holds on `day`; the
    others become `scheduled` (a period to come, or the standing quota a period sets
    aside until its end) or `skipped` (a period that has ended). Returns what is
    scheduled from the day after `day` on, by day."""
    if not has_periods(loaded.rows):
        return []
    loaded.has_periods = True
    loaded.schedule_digest = schedule_digest(loaded.rows)
    loaded.same_since, loaded.same_until = _same_rows_around(loaded.rows, day)
    by_number: dict[str, list[DesiredRow]] = {}
    for row in loaded.rows:
        if row.dated:
            by_number.setdefault(row.msisdn, [])
    for row in loaded.rows:
        if row.msisdn in by_number:
            by_number[row.msisdn].append(row)
    holding = {id(_holding(rows, day)) for rows in by_number.values()}
    kept: list[DesiredRow] = []
    for row in loaded.rows:
        if row.msisdn not in by_number or id(row) in holding:
            kept.append(row)
        else:
            loaded.skipped.append(_set_aside(row, by_number[row.msisdn], day))
    loaded.rows = kept
    return sorted(
        (change for rows in by_number.values() for change in _changes(rows, day)),
        key=lambda change: (change.day, change.msisdn),
    )


def _same_rows_around(rows: Sequence[DesiredRow], day: date) -> tuple[date | None, date | None]:
    """The first and last days around `day` on which the same rows hold: between the
    nearest days a period begins or ends (None: none that way)."""
    edges = {row.valid_from for row in rows if row.valid_from is not None}
    edges |= {row.valid_until + timedelta(days=1) for row in rows if row.valid_until is not None}
    since = max((edge for edge in edges if edge <= day), default=None)
    after = min((edge for edge in edges if edge > day), default=None)
    return since, None if after is None else after - timedelta(days=1)


def _holding(rows: Sequence[DesiredRow], day: date) -> DesiredRow:
    for row in rows:
        if row.dated and row.holds_on(day):
            return row
    return next(row for row in rows if not row.dated)


def _set_aside(row: DesiredRow, rows: Sequence[DesiredRow], day: date) -> SkippedRow:
    if row.dated and row.valid_until is not None and row.valid_until < day:
        reason = PERIOD_ENDED.format(day=day_text(row.valid_until))
        return SkippedRow(row.source, row.msisdn, reason, row.extras, account=row.account)
    if row.dated:
        assert row.valid_from is not None  # a dated row not holding, not ended, begins later
        reason = PERIOD_AHEAD.format(period=period_text(row))
        return SkippedRow(row.source, row.msisdn, reason, row.extras, row.valid_from, row.account)
    # The standing row, set aside by the period holding today until that period ends.
    current = _holding(rows, day)
    again = current.valid_until + timedelta(days=1) if current.valid_until else None
    reason = STANDING_AGAIN.format(day=day_text(again) if again else "…")
    return SkippedRow(row.source, row.msisdn, reason, row.extras, again, row.account)


def _changes(rows: Sequence[DesiredRow], day: date) -> list[Scheduled]:
    """The days after `day` on which this number's quota changes, and to what."""
    standing = next(row for row in rows if not row.dated)
    found: list[Scheduled] = []
    for row in sorted((r for r in rows if r.dated), key=lambda r: r.valid_from or date.min):
        start, end = row.valid_from, row.valid_until
        if start is not None and start > day:
            after = end + timedelta(days=1) if end is not None else None
            then = _holding(rows, after) if after is not None else None
            before = _holding(rows, start - timedelta(days=1))
            found.append(Scheduled(start, row.msisdn, before, row, end, then))
        # A period still to come says what follows it («затем …»); one under way has its
        # end listed on its own.
        if end is not None and end >= day and (start is None or start <= day):
            after = end + timedelta(days=1)
            if not any(r.dated and r.holds_on(after) for r in rows):
                found.append(Scheduled(after, row.msisdn, row, standing, None, None))
    return found

"""Turn the cells of one input row into a `DesiredRow`, or an `InvalidRow` saying why not.

Spreadsheets, CSV and YAML all pass through here, so a value means the same thing in
every format and every message names the column the way the user wrote it. This is the
hot loop of `validate` (100k rows ≈ 100k calls): the common, valid row takes the
shortest path and problems are only collected once something is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from quotabulk.domain import messages as said
from quotabulk.domain.amounts import AmountError, parse_amount
from quotabulk.domain.errors import RowProblem
from quotabulk.domain.messages import Text
from quotabulk.domain.models import DesiredRow, Extras, InvalidRow, OnExceed, RowAction
from quotabulk.domain.msisdn import MsisdnError, normalise_msisdn
from quotabulk.domain.periods import day_text
from quotabulk.domain.text import quoted
from quotabulk.formats.inputs.columns import ACTION_VALUES, ON_EXCEED_VALUES, Field, normalise_label


@dataclass(frozen=True)
class RowShape:
    """What every row of one table (or document) shares: its column names and defaults."""

    labels: Mapping[Field, str]
    extra_columns: tuple[str, ...] = ()
    default_on_exceed: OnExceed | None = None
    default_warn_at: Decimal | None = None
    manages_warn_at: bool = False
    default_account: str | None = None
    has_limit: bool = field(init=False, default=False)
    # The `Extras` of every row of a table without extra columns: one object, not one
    # per row (72 MB at a million rows).
    no_extras: Extras = field(init=False, default=Extras((), ()))

    def has(self, name: Field) -> bool:
        return name in self.labels

    def desired(
        self,
        source: str,
        msisdn: str,
        action: RowAction,
        limit: Decimal | None,
        warn_at: Decimal | None,
        on_exceed: OnExceed | None,
        extra_values: tuple[str, ...],
        account: object = None,
    ) -> DesiredRow:
        """A valid row of this table: what it manages and its extra columns come from here."""
        return DesiredRow(
            source,
            msisdn,
            action,
            limit,
            warn_at,
            self.manages_warn_at,
            on_exceed,
            self.extras(extra_values),
            self.account_of(account),
        )

    def account_of(self, cell: object) -> str | None:
        """The row's account: its cell, else the table's (a sheet's `account:`)."""
        if cell is None or cell == "":
            return self.default_account
        text = cell_text(cell).strip()
        return text or self.default_account

    def extras(self, values: tuple[str, ...]) -> Extras:
        return Extras(self.extra_columns, values) if values else self.no_extras

    def __post_init__(self) -> None:
        object.__setattr__(self, "has_limit", Field.LIMIT in self.labels)
        object.__setattr__(self, "no_extras", Extras(self.extra_columns, ()))


class RawRow(NamedTuple):
    """The cells of one row by field; None where the input has no such column or key."""

    msisdn: object
    limit: object = None
    warn_at: object = None
    on_exceed: object = None
    action: object = None
    account: object = None
    valid_from: object = None
    valid_until: object = None


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: object) -> str:
    """How a cell reads as text: whole floats lose their `.0`."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# Finance sheets repeat a handful of limits thousands of times. Keyed by type too:
# True == 1 == 1.0, but only the numbers are amounts.
_AMOUNTS: dict[tuple[type, object], Decimal] = {}
_AMOUNT_CACHE_SIZE = 10_000


def _amount_of(value: object) -> Decimal:
    key = (type(value), value)
    try:
        return _AMOUNTS[key]
    except KeyError:
        pass
    except TypeError:  # unhashable: a YAML list or mapping where an amount belongs
        return parse_amount(value)
    amount = parse_amount(value)
    if len(_AMOUNTS) >= _AMOUNT_CACHE_SIZE:
        _AMOUNTS.clear()
    _AMOUNTS[key] = amount
    return amount


# What people put between the digits of a phone number; `str.translate` drops them in one
# C call, 5× faster than the regular expressions of the careful path.
_PHONE_PUNCTUATION = str.maketrans("", "", " -()\u00a0")


def _fast_msisdn(value: object) -> str:
    # Most cells are already `7XXXXXXXXXX`, as text or as Excel's float; people's own
    # sheets add `+7 916 100-00-05` and `8 (916) 100-0005`. Anything else takes the
    # careful path, which says what is wrong.
    if isinstance(value, float) and 7e10 <= value < 8e10 and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        if len(value) == 11 and value[0] == "7" and value.isdigit():
            return value
        digits = value.translate(_PHONE_PUNCTUATION)
        if digits.isascii():
            if len(digits) == 12 and digits.startswith("+7") and digits[1:].isdigit():
                return digits[1:]
            if len(digits) == 11 and digits[0] in "78" and digits.isdigit():
                return "7" + digits[1:]
    return normalise_msisdn(value)


class _Problems:
    """Problems of one row, each tagged with the column label the user knows."""

    def __init__(self, source: str, shape: RowShape) -> None:
        self.source = source
        self.shape = shape
        self.items: list[RowProblem] = []

    def add(self, name: Field, message: Text) -> None:
        label = self.shape.labels.get(name, name.value)
        self.items.append(RowProblem(self.source, label, message))


def build_row(
    source: str, raw: RawRow, shape: RowShape, extra_values: tuple[str, ...] = ()
) -> DesiredRow | InvalidRow:
    """Validate one row; collect every problem of it rather than stopping at the first."""
    row = simple_row(source, raw, shape, extra_values)
    return row if row is not None else _careful_row(source, raw, shape, extra_values)


def simple_row(
    source: str, raw: tuple[object, ...], shape: RowShape, extra_values: tuple[str, ...]
) -> DesiredRow | None:
    """The valid `set` row, built without bookkeeping; None sends it the careful way
    (`build_row`). `raw` is the cells in `RawRow`'s order, a plain tuple or a RawRow."""
    given, raw_limit, warn, exceed, action, account, since, until = raw
    if action is not None and action != "":
        return None
    if (since is not None and since != "") or (until is not None and until != ""):
        return None  # a period: the careful way reads its days
    if raw_limit is None or raw_limit == "" or not shape.has_limit:
        return None
    try:
        msisdn = _fast_msisdn(given)
        limit = _amount_of(raw_limit)
        warn_at = shape.default_warn_at if warn is None or warn == "" else _amount_of(warn)
    except (MsisdnError, AmountError):
        return None
    on_exceed = shape.default_on_exceed if exceed is None or exceed == "" else _on_exceed_of(exceed)
    if on_exceed is None and exceed is not None and exceed != "":
        return None
    if warn_at is not None and warn_at > limit:
        return None
    # `shape.desired`, inlined: this line runs once per row of every valid sheet.
    return DesiredRow(
        source,
        msisdn,
        RowAction.SET,
        limit,
        warn_at,
        shape.manages_warn_at,
        on_exceed,
        Extras(shape.extra_columns, extra_values) if extra_values else shape.no_extras,
        shape.default_account if account is None or account == "" else shape.account_of(account),
    )


def _careful_row(
    source: str, raw: RawRow, shape: RowShape, extra_values: tuple[str, ...]
) -> DesiredRow | InvalidRow:
    problems = _Problems(source, shape)
    msisdn = ""
    try:
        msisdn = _fast_msisdn(raw.msisdn)
    except MsisdnError as exc:
        problems.add(Field.MSISDN, exc.text)
    action = _action(raw.action, problems)
    limit = warn_at = None
    on_exceed = shape.default_on_exceed
    if action is RowAction.SET:
        limit = _limit(raw.limit, shape, problems)
        warn_at = _warn_at(raw.warn_at, shape, problems)
        if limit is not None and warn_at is not None and warn_at > limit:
            problems.add(Field.WARN_AT, said.THRESHOLD_ABOVE(warn=warn_at, limit=limit))
        if not is_blank(raw.on_exceed):
            on_exceed = _on_exceed_of(raw.on_exceed)
            if on_exceed is None:
                problems.add(Field.ON_EXCEED, said.NOT_ON_EXCEED(value=quoted(raw.on_exceed)))
    elif action is RowAction.DELETE:
        # «удалить» beside an amount: which did the person mean? Never guess.
        for name, value in ((Field.LIMIT, raw.limit), (Field.WARN_AT, raw.warn_at)):
            if not is_blank(value):
                label = shape.labels.get(name, name.value)
                problems.add(name, said.DELETE_WITH_AMOUNT(column=label))
    since = _day(raw.valid_from, Field.VALID_FROM, problems)
    until = _day(raw.valid_until, Field.VALID_UNTIL, problems)
    if since is not None and until is not None and until < since:
        problems.add(
            Field.VALID_UNTIL, said.PERIOD_BACKWARDS(start=day_text(since), end=day_text(until))
        )
    if problems.items:
        shown = msisdn or cell_text(raw.msisdn)
        dated = not is_blank(raw.valid_from) or not is_blank(raw.valid_until)
        extras = shape.extras(extra_values)
        return InvalidRow(source, shown, tuple(problems.items), extras, dated)
    row = shape.desired(
        source, msisdn, action, limit, warn_at, on_exceed, extra_values, raw.account
    )
    return row._replace(valid_from=since, valid_until=until) if since or until else row


_DAY_FORMATS = ("%d.%m.%Y", "%Y-%m-%d")


def _day(value: object, name: Field, problems: _Problems) -> date | None:
    """A day: a date cell (or YAML date), or text written 01.12.2026 or 2026-12-01. A
    number is refused: a date cell the sheet does not show as a date is never guessed."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        if value.time() == time():
            return value.date()
    elif isinstance(value, date):
        return value
    elif isinstance(value, str):
        text = value.strip()
        for pattern in _DAY_FORMATS:
            try:
                return datetime.strptime(text, pattern).date()
            except ValueError:
                continue
    problems.add(name, said.NOT_A_DATE(value=quoted(cell_text(value))))
    return None


def _on_exceed_of(value: object) -> OnExceed | None:
    return _on_exceed_label(value if isinstance(value, str) else str(value))


@lru_cache(maxsize=256)
def _on_exceed_label(text: str) -> OnExceed | None:
    return ON_EXCEED_VALUES.get(normalise_label(text))


def _action(value: object, problems: _Problems) -> RowAction:
    if value is None or value == "":
        return RowAction.SET
    if isinstance(value, bool):  # YAML's `delete: true`
        return RowAction.DELETE if value else RowAction.SET
    if is_blank(value):
        return RowAction.SET
    found = ACTION_VALUES.get(normalise_label(value))
    if found is None:
        problems.add(Field.ACTION, said.NOT_AN_ACTION(value=quoted(value)))
        return RowAction.SET
    return found


def _limit(value: object, shape: RowShape, problems: _Problems) -> Decimal | None:
    if not shape.has(Field.LIMIT):
        problems.add(Field.LIMIT, said.DELETIONS_ONLY())
        return None
    if is_blank(value):
        empty = (
            said.EMPTY_LIMIT_COLUMN(column=shape.labels[Field.ACTION])
            if shape.has(Field.ACTION)
            else said.EMPTY_LIMIT()
        )
        problems.add(Field.LIMIT, empty)
        return None
    try:
        return _amount_of(value)
    except AmountError as exc:
        problems.add(Field.LIMIT, exc.text)
        return None


def _warn_at(value: object, shape: RowShape, problems: _Problems) -> Decimal | None:
    if is_blank(value):
        return shape.default_warn_at
    try:
        return _amount_of(value)
    except AmountError as exc:
        problems.add(Field.WARN_AT, exc.text)
        return None

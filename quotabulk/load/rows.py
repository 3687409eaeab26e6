"""Turn the cells of one input row into a `DesiredRow`, or an `InvalidRow` saying why not.

Spreadsheets, CSV and YAML all pass through here, so a value means the same thing in
every format and every message names the column the way the user wrote it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from quotabulk.amounts import AmountError, format_amount, parse_amount
from quotabulk.errors import RowProblem
from quotabulk.load.columns import ACTION_VALUES, ON_EXCEED_VALUES, Field, normalise_label
from quotabulk.models import DesiredRow, InvalidRow, OnExceed, RowAction
from quotabulk.msisdn import MsisdnError, normalise_msisdn


@dataclass(frozen=True)
class RowShape:
    """What every row of one table (or document) shares: its column names and defaults."""

    labels: Mapping[Field, str]
    extra_columns: tuple[str, ...] = ()
    default_on_exceed: OnExceed | None = None
    default_warn_at: Decimal | None = None
    manages_warn_at: bool = False

    def has(self, name: Field) -> bool:
        return name in self.labels


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: object) -> str:
    """How a cell reads as text: whole floats lose their `.0`, dates their time of day."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def build_row(
    source: str,
    cells: Mapping[Field, object],
    shape: RowShape,
    extra_values: tuple[str, ...] = (),
) -> DesiredRow | InvalidRow:
    """Validate one row; collect every problem of it rather than stopping at the first."""
    problems: list[RowProblem] = []

    def fail(name: Field, message: str) -> None:
        problems.append(RowProblem(source, shape.labels.get(name, name.value), message))

    raw_msisdn = cells.get(Field.MSISDN)
    msisdn = ""
    try:
        msisdn = normalise_msisdn(raw_msisdn)
    except MsisdnError as exc:
        fail(Field.MSISDN, str(exc))

    action = RowAction.SET
    raw_action = cells.get(Field.ACTION)
    if isinstance(raw_action, bool):  # YAML's `delete: true`
        action = RowAction.DELETE if raw_action else RowAction.SET
    elif not is_blank(raw_action):
        found = ACTION_VALUES.get(normalise_label(raw_action))
        if found is None:
            fail(
                Field.ACTION, f"'{raw_action}' is not an action; write «удалить» or leave it empty"
            )
        else:
            action = found

    limit = warn_at = None
    on_exceed = shape.default_on_exceed
    if action is RowAction.SET:
        limit = _amount(cells.get(Field.LIMIT), Field.LIMIT, shape, fail)
        raw_warn = cells.get(Field.WARN_AT)
        warn_at = (
            shape.default_warn_at
            if is_blank(raw_warn)
            else _amount(raw_warn, Field.WARN_AT, shape, fail)
        )
        if limit is not None and warn_at is not None and warn_at > limit:
            fail(
                Field.WARN_AT,
                f"the threshold {format_amount(warn_at)} is above the limit {format_amount(limit)}",
            )
        raw_exceed = cells.get(Field.ON_EXCEED)
        if not is_blank(raw_exceed):
            on_exceed = ON_EXCEED_VALUES.get(normalise_label(raw_exceed))
            if on_exceed is None:
                fail(
                    Field.ON_EXCEED,
                    f"'{raw_exceed}' is not «блокировка» (block) or «личный счёт» (personal)",
                )

    if problems:
        shown = msisdn or cell_text(raw_msisdn)
        return InvalidRow(source, shown, tuple(problems), shape.extra_columns, extra_values)
    return DesiredRow(
        source,
        msisdn,
        action,
        limit,
        warn_at,
        shape.manages_warn_at,
        on_exceed,
        shape.extra_columns,
        extra_values,
    )


def _amount(
    value: object, name: Field, shape: RowShape, fail: Callable[[Field, str], None]
) -> Decimal | None:
    if name is Field.LIMIT and not shape.has(Field.LIMIT):
        fail(name, "there is no limit column, so only deletions can be written here")
        return None
    if is_blank(value):
        if name is Field.LIMIT:
            how = (
                "write «удалить» in «" + shape.labels[Field.ACTION] + "»"
                if shape.has(Field.ACTION)
                else "mark the row with action «delete»"
            )
            fail(name, f"the limit is empty; an empty limit never deletes a quota, {how}")
        return None
    try:
        return parse_amount(value)
    except AmountError as exc:
        fail(name, str(exc))
        return None

"""Read ruble amounts as typed by people or stored by spreadsheets, and print them back."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from quotabulk.domain import messages as said
from quotabulk.domain.messages import Text
from quotabulk.domain.text import quoted

KOPECK = Decimal("0.01")
# Ten billion rubles: far above any account's ceiling, and within what the operator API
# carries (12 digits); beyond it a value is a typo or a pasted phone number.
TOO_LARGE = Decimal(10) ** 10
# A cell computed as 0.1*7000 holds 700.0000000000001: noise that far below a kopeck is
# binary rounding, not a real fraction of a kopeck.
_FLOAT_NOISE = 1e-6
_CURRENCY = re.compile(r"\s*(₽|руб\.?|р\.|rub|rur)\s*$", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
# At most two digits after the separator: "1,500" is refused, not read as 1.50 rubles.
_AMOUNT = re.compile(r"^\d+(?:[.,]\d{1,2})?$")


class AmountError(ValueError):
    """The value is not an amount of rubles with at most two decimals; `text` says why."""

    def __init__(self, text: Text) -> None:
        super().__init__(str(text))
        self.text = text


def parse_amount(value: object) -> Decimal:
    """Return a non-negative amount rounded to kopecks, or raise `AmountError`."""
    if isinstance(value, bool):
        raise AmountError(said.NOT_AN_AMOUNT(value=repr(value)))
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = _from_float(value)
    elif isinstance(value, Decimal):
        amount = value
    else:
        amount = _from_text(str(value))
    if not amount.is_finite():
        raise AmountError(said.NOT_AN_AMOUNT(value=quoted(value)))
    if amount < 0:
        raise AmountError(said.NEGATIVE(value=quoted(value)))
    if amount >= TOO_LARGE:
        raise AmountError(said.TOO_LARGE(value=quoted(value)))
    if amount != amount.quantize(KOPECK):
        raise AmountError(said.TOO_MANY_DECIMALS(value=quoted(value)))
    return amount.quantize(KOPECK)


def _from_float(value: float) -> Decimal:
    if value != value or value in (float("inf"), float("-inf")):
        raise AmountError(said.NOT_AN_AMOUNT(value=quoted(value)))
    rounded = round(value, 2)
    if abs(value - rounded) > _FLOAT_NOISE:
        raise AmountError(said.TOO_MANY_DECIMALS(value=quoted(value)))
    return Decimal(f"{rounded:.2f}")


def _from_text(text: str) -> Decimal:
    stripped = _SPACES.sub("", _CURRENCY.sub("", text.strip()))
    negative = stripped.startswith("-")
    digits = stripped[1:] if negative else stripped
    if not _AMOUNT.match(digits):
        raise AmountError(said.NOT_AN_AMOUNT(value=quoted(text.strip())))
    try:
        amount = Decimal(digits.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only decimals
        raise AmountError(said.NOT_AN_AMOUNT(value=quoted(text.strip()))) from exc
    return -amount if negative else amount


def format_amount(amount: Decimal) -> str:
    """`1500.00` → `1500`, `1500.50` → `1500.50`: what a person writes in a sheet."""
    if amount == amount.to_integral_value():
        return str(amount.quantize(Decimal(1)))
    return str(amount.quantize(KOPECK))

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotabulk.domain.amounts import AmountError, format_amount, parse_amount


@pytest.mark.parametrize(
    ("typed", "rubles"),
    [
        ("1 500,50", "1500.50"),
        ("1500.5", "1500.50"),
        ("1 500 ₽", "1500.00"),
        ("1500 руб.", "1500.00"),
        ("1\u00a0200", "1200.00"),
        (1300.0, "1300.00"),
        (0, "0.00"),
        ("0", "0.00"),
        (0.1 * 7000, "700.00"),  # 700.0000000000001: binary noise, not a fraction of a kopeck
        (19.99, "19.99"),
    ],
)
def test_amounts_as_typed_or_stored(typed: object, rubles: str) -> None:
    assert parse_amount(typed) == Decimal(rubles)


@pytest.mark.parametrize(
    "typed",
    [
        "1,500",
        "1 5OO",
        "-10",
        -0.5,
        "12.345",
        12.345,
        "",
        "abc",
        True,
        float("nan"),
        1e26,
        "9" * 30,
        10**10,
        float("inf"),
    ],
)
def test_bad_amounts_are_refused(typed: object) -> None:
    with pytest.raises(AmountError):
        parse_amount(typed)


@given(st.decimals(min_value=0, max_value=10**6, places=2))
def test_format_then_parse_is_identity(amount: Decimal) -> None:
    assert parse_amount(format_amount(amount)) == amount
    assert parse_amount(float(amount)) == amount

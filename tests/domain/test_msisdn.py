from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotabulk.domain.msisdn import MsisdnError, normalise_msisdn


@pytest.mark.parametrize(
    "typed",
    [
        "+7 (912) 345-67-89",
        "8 912 345 67 89",
        "89123456789",
        "79123456789",
        "9123456789",
        "79123456789.0",
        79123456789.0,
        79123456789,
        " +7 912 345-67-89 ",
    ],
)
def test_what_people_type_becomes_eleven_digits(typed: object) -> None:
    assert normalise_msisdn(typed) == "79123456789"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "12345",
        "+8 912 345 67 89",
        "7912345678901",
        "7912345678a",
        "79123456789.5",
        79123456789.5,
        True,
        "+1 212 555 0100",
        "tel:79123456789",
    ],
)
def test_anything_else_is_a_row_error(typed: object) -> None:
    with pytest.raises(MsisdnError):
        normalise_msisdn(typed)


@given(st.integers(min_value=900_000_0000, max_value=999_999_9999))
def test_agrees_with_phonenumbers_on_russian_mobiles(national: int) -> None:
    expected = phonenumbers.format_number(
        phonenumbers.parse(f"8{national}", "RU"), phonenumbers.PhoneNumberFormat.E164
    )
    spaced = (
        f"+7 ({str(national)[:3]}) {str(national)[3:6]}-{str(national)[6:8]}-{str(national)[8:]}"
    )
    for typed in (f"8{national}", str(national), spaced, float(f"7{national}")):
        assert "+" + normalise_msisdn(typed) == expected

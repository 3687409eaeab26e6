"""Normalise what people type as a phone number into an 11-digit `7XXXXXXXXXX`."""

from __future__ import annotations

import re

from quotabulk.domain.text import clipped

_ALLOWED = re.compile(r"^\+?[\d\s().\-\u00a0]+$")
_NOT_DIGIT = re.compile(r"\D")
_FLOAT_TAIL = re.compile(r"\.0+$")


class MsisdnError(ValueError):
    """The text is not a Russian subscriber number."""


def normalise_msisdn(value: object) -> str:
    """Return the number as `7XXXXXXXXXX`, or raise `MsisdnError` saying why not.

    Excel stores long numbers as floats, so `79123456789.0` is accepted when it is whole.
    """
    if isinstance(value, bool):
        raise MsisdnError(f"{value!r} is not a phone number")
    if isinstance(value, float):
        if not value.is_integer():
            raise MsisdnError(f"'{clipped(value)}' is not a phone number")
        value = int(value)
    text = str(value).strip()
    if not text:
        raise MsisdnError("the phone number is empty")
    text = _FLOAT_TAIL.sub("", text)
    if not _ALLOWED.match(text):
        raise MsisdnError(f"'{clipped(text)}' is not a phone number")
    digits = _NOT_DIGIT.sub("", text)
    international = text.startswith("+")
    if len(digits) == 11 and digits[0] == "7":
        return digits
    if not international and len(digits) == 11 and digits[0] == "8":
        return "7" + digits[1:]
    if not international and len(digits) == 10:
        return "7" + digits
    raise MsisdnError(f"'{clipped(text)}' is not a Russian number of 11 digits (7XXXXXXXXXX)")

"""Normalise what people type as a phone number into an 11-digit `7XXXXXXXXXX`."""

from __future__ import annotations

import re

from quotabulk.domain import messages as said
from quotabulk.domain.messages import Text
from quotabulk.domain.text import quoted

_ALLOWED = re.compile(r"^\+?[\d\s().\-\u00a0]+$")
_NOT_DIGIT = re.compile(r"\D")
_FLOAT_TAIL = re.compile(r"\.0+$")


class MsisdnError(ValueError):
    """The text is not a Russian subscriber number; `text` says why."""

    def __init__(self, text: Text) -> None:
        super().__init__(str(text))
        self.text = text


def normalise_msisdn(value: object) -> str:
    """Return the number as `7XXXXXXXXXX`, or raise `MsisdnError` saying why not.

    Excel stores long numbers as floats, so `79123456789.0` is accepted when it is whole.
    """
    if isinstance(value, bool):
        raise MsisdnError(said.NOT_A_PHONE(value=repr(value)))
    if isinstance(value, float):
        if not value.is_integer():
            raise MsisdnError(said.NOT_A_PHONE(value=quoted(value)))
        value = int(value)
    text = str(value).strip()
    if not text:
        raise MsisdnError(said.NO_PHONE())
    text = _FLOAT_TAIL.sub("", text)
    if not _ALLOWED.match(text):
        raise MsisdnError(said.NOT_A_PHONE(value=quoted(text)))
    digits = _NOT_DIGIT.sub("", text)
    international = text.startswith("+")
    if len(digits) == 11 and digits[0] == "7":
        return digits
    if not international and len(digits) == 11 and digits[0] == "8":
        return "7" + digits[1:]
    if not international and len(digits) == 10:
        return "7" + digits
    raise MsisdnError(said.NOT_RUSSIAN(value=quoted(text)))

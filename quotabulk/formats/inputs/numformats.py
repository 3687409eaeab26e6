"""What a cell's number format makes of its value on screen, for the formats under which a
money cell would not show rubles: a percent (0.8 shown «80%»), a date or time (45000
shown «15.03.2023»), or a scaled number (1.5 shown «1,5 тыс.», 2500 under `#,##0,`
shown «3»). Currency and plain number formats are fine and are not classified.

Only the format code is looked at (Excel's codes, which `.xlsx` and `.xls` both keep); the
text shown is worked out the way a spreadsheet does for these few cases, so an error can
quote what the person sees.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum


class FormatKind(StrEnum):
    PERCENT = "percent"
    DATE = "date"
    SCALED = "scaled"


# Excel's built-in formats that are not in a file's `numFmts`: 9 and 10 are percents,
# 14–22 and 45–47 dates and times, 27–36 and 50–58 the East Asian dates.
BUILT_IN: dict[int, FormatKind] = {
    9: FormatKind.PERCENT,
    10: FormatKind.PERCENT,
    **dict.fromkeys(range(14, 23), FormatKind.DATE),
    **dict.fromkeys(range(45, 48), FormatKind.DATE),
    **dict.fromkeys(range(27, 37), FormatKind.DATE),
    **dict.fromkeys(range(50, 59), FormatKind.DATE),
}

_QUOTED = re.compile(r'"[^"]*"|\\.')
_BRACKETS = re.compile(r"\[[^\]]*\]")
_ELAPSED = re.compile(r"\[(h+|m+|s+)\]", re.IGNORECASE)
_DATE_LETTERS = re.compile(r"[dmyhs]|am/pm|a/p", re.IGNORECASE)
# A comma after the last digit placeholder divides by a thousand (each one).
_SCALING = re.compile(r"[0#?],+(?![0#?,])")
_SCALE_WORDS = re.compile(r"тыс|млн|млрд|thousand|million|\bk\b", re.IGNORECASE)


def classify(code: str) -> FormatKind | None:
    """The kind of a format code that would show a money cell as something else than
    rubles, or None. Only the first section (positive numbers) is looked at."""
    first = _first_section(code)
    literals = " ".join(m.group(0) for m in _QUOTED.finditer(first))
    bare = _QUOTED.sub("", first)
    if _ELAPSED.search(bare):
        return FormatKind.DATE
    bare = _BRACKETS.sub("", bare)
    if "%" in bare:
        return FormatKind.PERCENT
    if bare.strip().casefold() != "general" and _DATE_LETTERS.search(
        bare.replace("General", "").replace("general", "")
    ):
        return FormatKind.DATE
    if _SCALING.search(bare) or _SCALE_WORDS.search(literals):
        return FormatKind.SCALED
    return None


def shown(code: str, kind: FormatKind, value: object) -> str:
    """The text a spreadsheet shows for `value` under `code` (Russian decimal comma)."""
    if kind is FormatKind.DATE:
        return _shown_date(value)
    number = _decimal(value)
    if number is None:
        return str(value)
    first = _first_section(code)
    bare = _BRACKETS.sub("", _QUOTED.sub("", first))
    places = _decimals(bare)
    if kind is FormatKind.PERCENT:
        return _fixed(number * 100, places) + "%"
    commas = sum(len(m.group(0)) - 1 for m in _SCALING.finditer(bare))
    literal = "".join(_literal(m.group(0)) for m in _QUOTED.finditer(first))
    return _fixed(number / Decimal(1000) ** commas, places) + literal


def _first_section(code: str) -> str:
    # A ";" inside quotes does not separate sections.
    depth_free = _QUOTED.sub(lambda m: "\0" * len(m.group(0)), code)
    cut = depth_free.find(";")
    return code if cut < 0 else code[:cut]


def _decimals(bare: str) -> int:
    point = bare.find(".")
    if point < 0:
        return 0
    count = 0
    for char in bare[point + 1 :]:
        if char not in "0#?":
            break
        count += 1
    return count


def _fixed(number: Decimal, places: int) -> str:
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{rounded:f}".replace(".", ",")


def _literal(token: str) -> str:
    return token[1:-1] if token.startswith('"') else token[1:]


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


_EXCEL_EPOCH = datetime(1899, 12, 30)


def _shown_date(value: object) -> str:
    if isinstance(value, datetime):
        if value.time() == time():
            return value.strftime("%d.%m.%Y")
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, time | timedelta):
        return str(value)
    number = _decimal(value)
    if number is None:
        return str(value)
    try:
        moment = _EXCEL_EPOCH + timedelta(days=float(number))
    except OverflowError:
        return str(value)
    return _shown_date(moment)

"""Whether a cell holds a phone number: what tells data rows from header rows, and a
sheet of quotas from a sheet of instructions."""

from __future__ import annotations

from collections.abc import Sequence

from quotabulk.domain.msisdn import MsisdnError, normalise_msisdn


def is_phone_like(cell: object) -> bool:
    if cell is None or cell == "" or isinstance(cell, bool):
        return False
    if isinstance(cell, int | float):
        return 7e10 <= cell < 9e10
    if not isinstance(cell, str) or not any(ch.isdigit() for ch in cell[:4]):
        return False
    try:
        normalise_msisdn(cell)
    except MsisdnError:
        return False
    return True


def first_phone_row(rows: Sequence[Sequence[object]]) -> int | None:
    """The index of the first row holding a phone number, or None."""
    for index, row in enumerate(rows):
        if any(is_phone_like(cell) for cell in row):
            return index
    return None

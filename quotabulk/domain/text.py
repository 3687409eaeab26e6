"""How a cell's own text appears inside a message: whole when short, else its first
hundred characters and «…» — a cell of a million characters never makes a message of a
million characters (nor a review page of 52 MB)."""

from __future__ import annotations

SHOWN_CHARS = 100


def clipped(value: object, limit: int = SHOWN_CHARS) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def quoted(value: object) -> str:
    """A cell as written, clipped and in quotes: `'abc'`, as a message shows it."""
    return f"'{clipped(value)}'"

"""Secret values known to this process, blanked wherever quotabulk prints or stores text.

The token is registered when settings are loaded; every text that comes from outside
(an operator's error message may echo the token) passes `blank` at the seam where it
enters, and the log renderer and the error boundary blank again on the way out.
"""

from __future__ import annotations

REDACTED = "**********"
_known: set[str] = set()


def register(value: str | None) -> None:
    """Blank this value from now on (values shorter than 4 characters are too common)."""
    if value and len(value) >= 4:
        _known.add(value)


def blank(text: str) -> str:
    for secret in _known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text

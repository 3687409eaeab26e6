"""The languages people read quotabulk in: every word of the command line, the reports
and the console is in one of them (the words themselves live with the faces)."""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    RU = "ru"
    EN = "en"


DEFAULT_LANGUAGE = Language.RU

"""Every word a person reads, in their language: gettext catalogues compiled by Babel
(`locale/<lang>/LC_MESSAGES/quotabulk.po`), CLDR plural rules, money and times.

The English words are the templates in the code (the `msgid`s); another language is one
`.po` file. `make check` fails when a `.po` lacks a translation or is out of date with
the code (`make catalogue`). The `.mo` files are compiled at install; a checkout without
them (or with a `.po` newer than its `.mo`) compiles the catalogue in memory instead.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from quotabulk.domain.amounts import format_amount
from quotabulk.domain.language import DEFAULT_LANGUAGE, Language
from quotabulk.domain.messages import Kind, Text, render_with

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "quotabulk"
ENV_TZ = "QUOTABULK_TZ"
DEFAULT_TZ = "Europe/Moscow"
NBSP = "\u00a0"  # keeps «1 500,00 ₽» on one line
_LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def language_from(explicit: str | None, env: Mapping[str, str] | None = None) -> Language:
    """One rule for the command line, the reports and the console: `--lang` or
    `QUOTABULK_LANG` (given as `explicit`), else the locale when it names a language
    quotabulk has (`ru_RU.UTF-8`, `en_GB`), else Russian — cron's bare environment gets
    the finance team's language, not C's."""
    if explicit:
        return Language(explicit.strip().lower())
    env = os.environ if env is None else env
    for name in _LOCALE_VARIABLES:
        value = env.get(name)
        if value:  # POSIX: the first one set decides, even when it is `C`
            code = value.split(".")[0].split("_")[0].lower()
            return Language(code) if code in Language.__members__.values() else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


@cache
def translations(lang: Language) -> gettext.NullTranslations:
    """The catalogue of `lang`; English is the code's own words."""
    po = LOCALE_DIR / lang.value / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        return gettext.NullTranslations()
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    return gettext.GNUTranslations(BytesIO(compile_po(po)))


def compile_po(po: Path) -> bytes:
    """The `.mo` bytes of a `.po`, as `pybabel compile` writes them."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalog = read_po(handle)
    out = BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def _(msgid: str, lang: Language) -> str:
    """One word or sentence of the code in `lang`."""
    return translations(lang).gettext(msgid)


def n_(singular: str, plural: str, n: int, lang: Language) -> str:
    """The form of `n` in `lang`: 1 заявка, 2 заявки, 5 заявок."""
    return translations(lang).ngettext(singular, plural, n)


def p_(context: str, msgid: str, lang: Language) -> str:
    """A word of `context` (see `domain.messages.C_`) in `lang`."""
    return translations(lang).pgettext(context, msgid)


def say(text: Text | str, lang: Language) -> str:
    """A message in `lang`. A plain string (an operator's own words, an old journal's
    English) is shown as it is."""
    if isinstance(text, str):
        return text
    catalogue = translations(lang)

    def template(kind: Kind, n: int) -> str:
        if kind.plural is None:
            return catalogue.gettext(kind.singular)
        return catalogue.ngettext(kind.singular, kind.plural, n)

    return render_with(text, template, lambda amount: number(amount, lang))


def number(amount: Decimal | int, lang: Language) -> str:
    """An amount inside a sentence: `1 500` or `1 500,5` in Russian; in English as the
    code's own messages write it (`1500`, `1500.50`), so the English a script matches on
    is the same from every face."""
    if lang is Language.EN:
        return format_amount(Decimal(amount))
    from babel.numbers import format_decimal

    return str(format_decimal(amount, "#,##0.##", locale=lang.value))


def money(amount: Decimal, lang: Language) -> str:
    """`1 500,00 ₽` in Russian, `1,500.00 ₽` in English: always the kopecks, and the
    rouble sign in both (Babel's English pattern would write `RUB1,500.00`)."""
    from babel.numbers import format_decimal

    return f"{format_decimal(amount, '#,##0.00', locale=lang.value)}{NBSP}₽"


def zone() -> ZoneInfo:
    """`QUOTABULK_TZ`, else Moscow: the zone the account's people live in."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # only times need zones

    name = os.environ.get(ENV_TZ) or DEFAULT_TZ
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TZ)


def today() -> date:
    """Today in the account's zone: the day periods are read for."""
    return datetime.now(zone()).date()


def moment(at: datetime | str | None, lang: Language) -> str:
    """`30.11.2026 14:56 (GMT+03:00)`: a journal's UTC time in the account's zone, with
    the zone shown so nobody adds three hours in their head."""
    if at is None or at == "":
        return ""
    when = at if isinstance(at, datetime) else _parse_time(at)
    if when is None:
        return str(at)
    from babel.dates import format_datetime

    shown = format_datetime(when, "dd.MM.y HH:mm", tzinfo=zone(), locale=lang.value)
    offset = format_datetime(when, "ZZZZ", tzinfo=zone(), locale=lang.value)
    return f"{shown}{NBSP}({offset})"


def _parse_time(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)

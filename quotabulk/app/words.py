"""The words a face shows, in the reader's language: quotas and money, outcomes, a row's
reason, and the catalogue's messages. The faces read them from here and from
`quotabulk.i18n`; the report tables of words are the app's business."""

from __future__ import annotations

from decimal import Decimal

from quotabulk import i18n
from quotabulk.domain.language import Language
from quotabulk.domain.messages import Text
from quotabulk.domain.models import ActionKind, Quota
from quotabulk.domain.outcomes import Outcome, RowResult, RunStatus
from quotabulk.formats import language
from quotabulk.formats.inputs.columns import Field
from quotabulk.formats.reports.columns import reason_text as _reason_text

# The fields a column of an unknown header may be mapped to from the console's page.
MAPPABLE_FIELDS = frozenset({Field.WARN_AT.value, Field.ON_EXCEED.value})


def describe(quota: Quota | None, lang: Language) -> str:
    """A whole quota: `1 500,00 ₽ (порог 1 200,00 ₽, блокировка)`."""
    return language.describe(quota, lang)


def money(amount: Decimal, lang: Language) -> str:
    """`1 500,00 ₽` in Russian, `1,500.00 ₽` in English."""
    return language.money(amount, lang)


def run_status_word(status: RunStatus, lang: Language) -> str:
    return language.run_status_word(status, lang)


def action_word(kind: ActionKind, lang: Language) -> str:
    return language.action_word(kind, lang)


def outcome_word(outcome: Outcome, lang: Language) -> str:
    return language.outcome_word(outcome, lang)


def message(text: Text | str, lang: Language) -> str:
    """A message of the catalogue in `lang`; a plain string (an operator's own words,
    an older journal's English) as it is."""
    return i18n.say(text, lang)


def located(where: str | None, text: Text | str, lang: Language) -> str:
    """`file:sheet:row: message`, the message in `lang`."""
    said = message(text, lang)
    return said if not where else f"{where}: {said}"


def moment(at: str | None, lang: Language) -> str:
    """A journal's UTC time in the account's zone (`QUOTABULK_TZ`), with the zone shown."""
    return i18n.moment(at, lang)


def reason(row: RowResult, lang: Language) -> str:
    """Why a row ended as it did, in `lang`."""
    return _reason_text(row, lang)

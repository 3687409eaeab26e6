"""The words of a report — headers, outcomes, actions, statuses, amounts — in the
reader's language, from the gettext catalogue (`quotabulk.i18n`). The reports and the
console both read them from here, so a row says «Применено» in the page and in the
`.xlsx` alike. JSON reports do not: their English keys and values are the machine
contract. The English words are the JSON's own keys and values."""

from __future__ import annotations

from decimal import Decimal

from quotabulk import i18n
from quotabulk.domain.language import DEFAULT_LANGUAGE, Language
from quotabulk.domain.messages import C_, N_
from quotabulk.domain.models import ActionKind, OnExceed, Quota
from quotabulk.domain.outcomes import Outcome, RunStatus

NBSP = i18n.NBSP

# Each table is marked for extraction with its context; a word is looked up by both.
HEADERS = {
    "source": C_("column", "source"),
    "msisdn": C_("column", "msisdn"),
    "action": C_("column", "action"),
    "before": C_("column", "before"),
    "after": C_("column", "after"),
    "request_id": C_("column", "request_id"),
    "request_status": C_("column", "request_status"),
    "outcome": C_("column", "outcome"),
    "error": C_("column", "error"),
    "account": C_("column", "account"),
    "limit_before": C_("column", "limit_before"),
    "warn_before": C_("column", "warn_before"),
    "limit_planned": C_("column", "limit_planned"),
    "warn_planned": C_("column", "warn_planned"),
    "limit_now": C_("column", "limit_now"),
    "warn_now": C_("column", "warn_now"),
}
OUTCOMES = {
    Outcome.APPLIED: C_("outcome", "applied"),
    Outcome.UNCHANGED: C_("outcome", "unchanged"),
    Outcome.REJECTED: C_("outcome", "rejected"),
    Outcome.FAILED: C_("outcome", "failed"),
    Outcome.PENDING: C_("outcome", "pending"),
    Outcome.CONFLICT: C_("outcome", "conflict"),
    Outcome.INVALID: C_("outcome", "invalid"),
    Outcome.SKIPPED: C_("outcome", "skipped"),
    Outcome.SCHEDULED: C_("outcome", "scheduled"),
}
ACTIONS = {
    ActionKind.ADD: C_("action", "add"),
    ActionKind.EDIT: C_("action", "edit"),
    ActionKind.DELETE: C_("action", "delete"),
    ActionKind.UNCHANGED: C_("action", "unchanged"),
    ActionKind.INVALID: C_("action", "invalid"),
    ActionKind.SKIPPED: C_("action", "skipped"),
}
# The operator's request statuses as «История заявок» shows them.
REQUEST_STATUSES = {
    "new": C_("request", "new"),
    "in_progress": C_("request", "in_progress"),
    "completed": C_("request", "completed"),
    "rejected": C_("request", "rejected"),
}
RUN_STATUSES = {
    RunStatus.RUNNING: C_("run", "running"),
    RunStatus.INTERRUPTED: C_("run", "interrupted"),
    RunStatus.PENDING: C_("run", "pending"),
    RunStatus.FINISHED: C_("run", "finished"),
    RunStatus.FAILED: C_("run", "failed"),
    RunStatus.DRY_RUN: C_("run", "dry_run"),
}
WORDS = {
    "no_quota": N_("no quota"),
    "not_read": N_("not read"),
    "warn_at": N_("warn at {amount}"),
    OnExceed.BLOCK: C_("on_exceed", "block"),
    OnExceed.PERSONAL: C_("on_exceed", "personal"),
    "results": C_("sheet", "results"),
    "summary": C_("sheet", "summary"),
    "run_id": C_("summary", "run_id"),
    "account": C_("summary", "account"),
    "operator": C_("summary", "operator"),
    "status": C_("summary", "status"),
    "started_at": C_("summary", "started_at"),
    "finished_at": C_("summary", "finished_at"),
    "inputs": C_("summary", "inputs"),
    "note": C_("summary", "note"),
    "quotabulk": C_("summary", "quotabulk"),
    "rows": C_("summary", "rows"),
    "outcome_of": N_("outcome: {word}"),
    "action_of": N_("action: {word}"),
    "total_before": N_("limits before"),
    "total_planned": N_("limits as planned"),
    "total_now": N_("limits now"),
    "upcoming": N_("scheduled on later days (periods)"),
}
_CONTEXTS = {OnExceed.BLOCK: "on_exceed", OnExceed.PERSONAL: "on_exceed"} | {
    key: "sheet" for key in ("results", "summary")
}
_SUMMARY = [
    "run_id",
    "account",
    "operator",
    "status",
    "started_at",
    "finished_at",
    "inputs",
    "note",
    "quotabulk",
    "rows",
]
_CONTEXTS.update(dict.fromkeys(_SUMMARY, "summary"))


def language_of(text: str | None) -> Language:
    """`ru` or `en`; anything else is refused by the caller's own option or variable."""
    return Language(text) if text else DEFAULT_LANGUAGE


def header(key: str, lang: Language) -> str:
    return i18n.p_("column", HEADERS[key], lang) if key in HEADERS else key


def outcome_word(outcome: Outcome, lang: Language) -> str:
    return i18n.p_("outcome", OUTCOMES[outcome], lang)


def action_word(kind: ActionKind, lang: Language) -> str:
    return i18n.p_("action", ACTIONS[kind], lang)


def status_word(status: str, lang: Language) -> str:
    found = REQUEST_STATUSES.get(status)
    return status if found is None else i18n.p_("request", found, lang)


def run_status_word(status: RunStatus, lang: Language) -> str:
    return i18n.p_("run", RUN_STATUSES[status], lang)


def word(key: str, lang: Language) -> str:
    context = _CONTEXTS.get(key)
    text = WORDS[key]
    return i18n._(text, lang) if context is None else i18n.p_(context, text, lang)


def money(amount: Decimal, lang: Language) -> str:
    """`1 500,00 ₽` in Russian, `1,500.00 ₽` in English: always the kopecks."""
    return i18n.money(amount, lang)


def plain_amount(amount: Decimal, lang: Language) -> str:
    """A number a spreadsheet of that language sums: `1500,00` in Russian, `1500.00`."""
    text = f"{amount:.2f}"
    return text.replace(".", ",") if lang is Language.RU else text


def quota_details(quota: Quota, lang: Language) -> str:
    """What a quota is besides its limit: `порог 1 200,00 ₽, блокировка`."""
    parts = (
        []
        if quota.warn_at is None
        else [word("warn_at", lang).format(amount=money(quota.warn_at, lang))]
    )
    parts.append(word(quota.on_exceed, lang))
    return ", ".join(parts)


def describe(quota: Quota | None, lang: Language) -> str:
    """A whole quota in words: `1 500,00 ₽ (порог 1 200,00 ₽, блокировка)`."""
    if quota is None:
        return word("no_quota", lang)
    return f"{money(quota.limit, lang)} ({quota_details(quota, lang)})"

"""The words a person reads — report headers, outcomes, amounts — in Russian (the
default, in the cabinet's own words) or English. The reports and the console both read
them from here, so a row says «Применено» in the page and in the `.xlsx` alike.
JSON reports do not: their English keys and values are the machine contract."""

from __future__ import annotations

from decimal import Decimal

from quotabulk.domain.language import DEFAULT_LANGUAGE, Language
from quotabulk.domain.models import ActionKind, OnExceed, Quota
from quotabulk.domain.outcomes import Outcome, RunStatus

NBSP = "\u00a0"  # keeps «1 500,00 ₽» on one line

HEADERS: dict[Language, dict[str, str]] = {
    Language.RU: {
        "source": "Источник",
        "msisdn": "Номер",
        "action": "Действие",
        "before": "Было",
        "after": "Стало",
        "request_id": "Номер заявки",
        "request_status": "Статус заявки",
        "outcome": "Итог",
        "error": "Причина",
    },
    Language.EN: {},  # the keys themselves, as the JSON report spells them
}

OUTCOMES: dict[Language, dict[Outcome, str]] = {
    Language.RU: {
        Outcome.APPLIED: "Применено",
        Outcome.UNCHANGED: "Без изменений",
        Outcome.REJECTED: "Отклонено",
        Outcome.FAILED: "Ошибка",
        Outcome.PENDING: "В обработке",
        Outcome.CONFLICT: "Конфликт",
        Outcome.INVALID: "Ошибка в строке",
        Outcome.SKIPPED: "Пропущено",
    },
    Language.EN: {outcome: outcome.value for outcome in Outcome},
}

ACTIONS: dict[Language, dict[ActionKind, str]] = {
    Language.RU: {
        ActionKind.ADD: "Добавить",
        ActionKind.EDIT: "Изменить",
        ActionKind.DELETE: "Удалить",
        ActionKind.UNCHANGED: "Не менять",
        ActionKind.INVALID: "—",
        ActionKind.SKIPPED: "—",
    },
    Language.EN: {kind: kind.value for kind in ActionKind},
}

# The operator's request statuses as «История заявок» shows them.
REQUEST_STATUSES: dict[Language, dict[str, str]] = {
    Language.RU: {
        "new": "Новая",
        "in_progress": "В обработке",
        "completed": "Выполнена",
        "rejected": "Отклонена",
    },
    Language.EN: {},
}

RUN_STATUSES: dict[Language, dict[RunStatus, str]] = {
    Language.RU: {
        RunStatus.RUNNING: "идёт",
        RunStatus.INTERRUPTED: "прерван, продолжится при повторном запуске",
        RunStatus.PENDING: "ждёт ответов оператора",
        RunStatus.FINISHED: "завершён",
        RunStatus.FAILED: "не состоялся",
        RunStatus.DRY_RUN: "проверка без отправки",
    },
    Language.EN: {status: status.value for status in RunStatus},
}

WORDS: dict[Language, dict[str, str]] = {
    Language.RU: {
        "no_quota": "нет квоты",
        "not_read": "не прочитано",
        "warn_at": "порог {amount}",
        OnExceed.BLOCK: "блокировка",
        OnExceed.PERSONAL: "личный счёт",
        "results": "Результаты",
        "summary": "Сводка",
        "run_id": "Запуск",
        "account": "Лицевой счёт",
        "operator": "Оператор",
        "status": "Состояние запуска",
        "started_at": "Начало (UTC)",
        "finished_at": "Конец (UTC)",
        "inputs": "Файлы",
        "note": "Примечание",
        "quotabulk": "quotabulk",
        "rows": "Строк в отчёте",
        "outcome_of": "Итог: {word}",
        "action_of": "Действие: {word}",
        "total_before": "Сумма лимитов: было",
        "total_planned": "Сумма лимитов: по плану",
        "total_now": "Сумма лимитов: стало",
    },
    Language.EN: {
        "no_quota": "no quota",
        "not_read": "not read",
        "warn_at": "warn at {amount}",
        OnExceed.BLOCK: "block",
        OnExceed.PERSONAL: "personal",
        "results": "results",
        "summary": "summary",
        "run_id": "run_id",
        "account": "account",
        "operator": "operator",
        "status": "status",
        "started_at": "started_at",
        "finished_at": "finished_at",
        "inputs": "inputs",
        "note": "note",
        "quotabulk": "quotabulk",
        "rows": "rows",
        "outcome_of": "outcome: {word}",
        "action_of": "action: {word}",
        "total_before": "limits before",
        "total_planned": "limits as planned",
        "total_now": "limits now",
    },
}


def language_of(text: str | None) -> Language:
    """`ru` or `en`; anything else is refused by the caller's own option or variable."""
    return Language(text) if text else DEFAULT_LANGUAGE


def header(key: str, lang: Language) -> str:
    return HEADERS[lang].get(key, key)


def outcome_word(outcome: Outcome, lang: Language) -> str:
    return OUTCOMES[lang][outcome]


def action_word(kind: ActionKind, lang: Language) -> str:
    return ACTIONS[lang][kind]


def status_word(status: str, lang: Language) -> str:
    return REQUEST_STATUSES[lang].get(status, status)


def run_status_word(status: RunStatus, lang: Language) -> str:
    return RUN_STATUSES[lang][status]


def word(key: str, lang: Language) -> str:
    return WORDS[lang][key]


def money(amount: Decimal, lang: Language) -> str:
    """`1 500,00 ₽` in Russian, `1,500.00 ₽` in English: always the kopecks."""
    text = f"{amount:,.2f}"
    if lang is Language.RU:
        text = text.replace(",", NBSP).replace(".", ",")
    return f"{text}{NBSP}₽"


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
    parts.append(WORDS[lang][quota.on_exceed])
    return ", ".join(parts)


def describe(quota: Quota | None, lang: Language) -> str:
    """A whole quota in words: `1 500,00 ₽ (порог 1 200,00 ₽, блокировка)`."""
    if quota is None:
        return word("no_quota", lang)
    return f"{money(quota.limit, lang)} ({quota_details(quota, lang)})"

"""Labels in Russian (the default, in the cabinet's own words) and English."""

from __future__ import annotations

from quotabulk.domain.models import Quota
from quotabulk.domain.outcomes import Outcome
from quotabulk.formats.language import Language, outcome_word
from quotabulk.formats.language import describe as describe_quota

LANGUAGES = ("ru", "en")

LABELS: dict[str, dict[str, str]] = {
    "ru": {
        "title": "Квоты: массовые изменения",
        "sandbox_banner": "Учебный режим: изменения уходят в локальную песочницу оператора, а не в настоящий кабинет.",
        "upload": "Загрузка",
        "upload_help": "Перетащите сюда файлы .xlsx, .csv или .yaml (можно несколько) или выберите их.",
        "choose_files": "Выбрать файлы",
        "skip_invalid": "Пропускать строки с ошибками",
        "check": "Проверить",
        "validation": "Проверка",
        "errors": "Ошибки в файлах",
        "source": "Где",
        "column": "Столбец",
        "message": "Что не так",
        "fix_or_skip": "Исправьте файл или загрузите его снова с отметкой «Пропускать строки с ошибками». Подтвердить такой план нельзя.",
        "plan": "План изменений",
        "subscriber": "Абонент",
        "action": "Действие",
        "quota_before": "Квота сейчас",
        "quota_after": "Квота после",
        "all": "все",
        "add": "добавить",
        "edit": "изменить",
        "delete": "удалить",
        "unchanged_note": "Без изменений: {n} абонентов.",
        "prune_note": "Квоты абонентов, которых нет в файлах, не трогаются (удаление лишних — только в командной строке, с ограничением --max-deletes).",
        "reviewed": "Я просмотрел(а) план",
        "approve": "Подтвердить и отправить заявки",
        "nothing_to_do": "Всё уже как в файлах: отправлять нечего.",
        "progress": "Выполнение",
        "sent": "Отправлено заявок",
        "final": "Обработано",
        "result": "Результат",
        "outcome": "Итог",
        "request": "Заявка",
        "reason": "Причина",
        "download": "Скачать отчёт",
        "runs": "История запусков",
        "history": "История заявок",
        "started": "Начало",
        "account": "Счёт",
        "status": "Статус",
        "login": "Вход",
        "password": "Пароль",
        "sign_in": "Войти",
        "sign_out": "Выйти",
        "failed_job": "Запуск не выполнен",
        "login_failed": "Неверный пароль. Попробуйте ещё раз.",
        "new_upload": "Новая загрузка",
        "rows_read": "Строк прочитано: {rows}, с ошибками: {invalid}.",
        "plan_summary": "План: добавить {add}, изменить {edit}, удалить {delete}, без изменений {unchanged}.",
    },
    "en": {
        "title": "Quotas: bulk changes",
        "sandbox_banner": "Practice mode: changes go to the local sandbox operator, not to the real cabinet.",
        "upload": "Upload",
        "upload_help": "Drop .xlsx, .csv or .yaml files here (several at once) or choose them.",
        "choose_files": "Choose files",
        "skip_invalid": "Skip invalid rows",
        "check": "Check",
        "validation": "Validation",
        "errors": "Problems in the files",
        "source": "Where",
        "column": "Column",
        "message": "What is wrong",
        "fix_or_skip": "Fix the file, or upload it again with «Skip invalid rows» ticked. Such a plan cannot be approved.",
        "plan": "Plan",
        "subscriber": "Subscriber",
        "action": "Action",
        "quota_before": "Quota now",
        "quota_after": "Quota after",
        "all": "all",
        "add": "add",
        "edit": "edit",
        "delete": "delete",
        "unchanged_note": "Unchanged: {n} subscribers.",
        "prune_note": "Quotas of subscribers not in the files are left alone (deleting those is a command-line option, guarded by --max-deletes).",
        "reviewed": "I have reviewed the plan",
        "approve": "Approve and send the requests",
        "nothing_to_do": "Everything already matches the files: nothing to send.",
        "progress": "Progress",
        "sent": "Requests sent",
        "final": "Processed",
        "result": "Result",
        "outcome": "Outcome",
        "request": "Request",
        "reason": "Reason",
        "download": "Download the report",
        "runs": "Runs",
        "history": "Request history",
        "started": "Started",
        "account": "Account",
        "status": "Status",
        "login": "Sign in",
        "password": "Password",
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "failed_job": "The run did not happen",
        "login_failed": "Wrong password. Try again.",
        "new_upload": "New upload",
        "rows_read": "Rows read: {rows}, invalid: {invalid}.",
        "plan_summary": "Plan: {add} to add, {edit} to edit, {delete} to delete, {unchanged} unchanged.",
    },
}


def _shared_words(lang: Language) -> dict[str, str]:
    """Outcome words as the reports write them, so the page and the file agree."""
    return {f"o_{outcome.value}": outcome_word(outcome, lang) for outcome in Outcome}


for _lang in Language:
    LABELS[_lang.value].update(_shared_words(_lang))


def describe(quota: Quota | None, lang: str) -> str:
    """A quota in the page's language: `1 500,00 ₽ (порог 1 200,00 ₽, блокировка)`."""
    return describe_quota(quota, Language(lang))

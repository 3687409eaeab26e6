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
        "no_files": "Файлы не выбраны",
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
        "prune_note": "Квоты абонентов, которых нет в файлах, не меняются: консоль удаляет только то, что отмечено в файлах действием «удалить».",
        "reviewed": "Я просмотрел(а) план",
        "approve": "Подтвердить и отправить заявки",
        "nothing_to_do": "Всё уже как в файлах: отправлять нечего.",
        "user_name": "Имя пользователя",
        "not_found": "Не найдено.",
        "maker_only": "Отправить план на подтверждение может только исполнитель.",
        "checker_only": "Подтвердить или отклонить план может только проверяющий.",
        "four_eyes_submit": "Здесь действует правило четырёх глаз: отправьте план на подтверждение.",
        "admin_no_approve": "Администратор не подтверждает планы.",
        "review_first": "Просмотрите показанный план и подтвердите именно его.",
        "send_n": "Отправить {requests} по счёту {account} ({target})",
        "sandbox_name": "песочница",
        "operator_waiting": "Оператор не отвечает, повторяем…",
        "stage_reading": "Читаем файлы…",
        "stage_planning": "Сверяем с оператором и составляем план…",
        "stage_done": "Готово.",
        "stage_failed": "Не получилось.",
        "nothing_valid": "Ни одной строки без ошибок: отправлять нечего.",
        "problems_more": "Показаны первые {shown} из {total} ошибок.",
        "download_all_errors": "Скачать все ошибки (.xlsx)",
        "limits_total": "Сумма лимитов",
        "changes_more": "Показаны первые {shown} из {total} изменений; сумма ниже — по всем.",
        "filter_note": "Фильтр только скрывает строки: отправлены будут все изменения плана.",
        "throttled": "Слишком много неудачных попыток. Попробуйте через {minutes} мин.",
        "fingerprint": "Отпечаток плана",
        "submit_for_approval": "Отправить на подтверждение",
        "approve_as_checker": "Подтвердить и отправить заявки",
        "decline": "Отклонить",
        "comment": "Комментарий",
        "approvals": "На подтверждении",
        "no_pending": "Планов, ожидающих подтверждения, нет.",
        "submitted_at": "Отправлен",
        "maker": "Подготовил(а)",
        "files": "Файлы",
        "audit": "Журнал аудита",
        "fe_pending": "Ожидает подтверждения: подготовил(а) {maker}, {at}.",
        "fe_approved": "Подтверждён: {checker}, {decided_at} (подготовил(а) {maker}).",
        "fe_declined": "Отклонён: {checker}, {decided_at}.",
        "fe_run": "Заявки отправлены (запуск {run_id}).",
        "fe_wait_for_checker": "Подтвердить план может только другой сотрудник с ролью проверяющего.",
        "role_maker": "исполнитель",
        "role_checker": "проверяющий",
        "role_admin": "администратор",
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
        "no_files": "No file chosen",
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
        "prune_note": "Quotas of subscribers not in the files are left alone: the console deletes only what the files mark with the action «delete».",
        "reviewed": "I have reviewed the plan",
        "approve": "Approve and send the requests",
        "nothing_to_do": "Everything already matches the files: nothing to send.",
        "user_name": "User name",
        "not_found": "Not found.",
        "maker_only": "Only a maker submits a plan for approval.",
        "checker_only": "Only a checker approves or declines a plan.",
        "four_eyes_submit": "Four eyes apply here: submit the plan for approval.",
        "admin_no_approve": "An admin does not approve plans.",
        "review_first": "Review the plan shown, then approve that plan.",
        "send_n": "Send {requests} on account {account} ({target})",
        "sandbox_name": "sandbox",
        "operator_waiting": "The operator is not answering, retrying…",
        "stage_reading": "Reading the files…",
        "stage_planning": "Comparing with the operator and planning…",
        "stage_done": "Done.",
        "stage_failed": "It did not work.",
        "nothing_valid": "No row is free of errors: nothing to send.",
        "problems_more": "The first {shown} of {total} problems are shown.",
        "download_all_errors": "Download every problem (.xlsx)",
        "limits_total": "Sum of limits",
        "changes_more": "The first {shown} of {total} changes are shown; the sums below cover all.",
        "filter_note": "The filter only hides rows: every change of the plan is sent.",
        "throttled": "Too many failed attempts. Try again in {minutes} min.",
        "fingerprint": "Plan digest",
        "submit_for_approval": "Submit for approval",
        "approve_as_checker": "Approve and send the requests",
        "decline": "Decline",
        "comment": "Comment",
        "approvals": "Awaiting approval",
        "no_pending": "No plan is awaiting approval.",
        "submitted_at": "Submitted",
        "maker": "Prepared by",
        "files": "Files",
        "audit": "Audit trail",
        "fe_pending": "Awaiting approval: prepared by {maker}, {at}.",
        "fe_approved": "Approved by {checker}, {decided_at} (prepared by {maker}).",
        "fe_declined": "Declined by {checker}, {decided_at}.",
        "fe_run": "The requests were sent (run {run_id}).",
        "fe_wait_for_checker": "Only another person, a checker, can approve this plan.",
        "role_maker": "maker",
        "role_checker": "checker",
        "role_admin": "admin",
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


def plural_ru(n: int, one: str, few: str, many: str) -> str:
    """Russian plural forms: 1 заявку, 2 заявки, 5 заявок, 11 заявок, 21 заявку."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def requests_phrase(n: int, lang: str) -> str:
    """«12 заявок» / "12 requests", as the approve button says it."""
    if lang == "ru":
        return f"{n} {plural_ru(n, 'заявку', 'заявки', 'заявок')}"
    return f"{n} request" if n == 1 else f"{n} requests"

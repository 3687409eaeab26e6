"""The console's words: English in the code (the gettext `msgid`s), every other
language from its `.po` file (`quotabulk.i18n`); the templates read them as `t.key`."""

from __future__ import annotations

from functools import cache

from quotabulk import i18n
from quotabulk.app.words import describe as describe_quota
from quotabulk.app.words import outcome_word
from quotabulk.domain.language import Language
from quotabulk.domain.messages import C_, NP_
from quotabulk.domain.models import Quota
from quotabulk.domain.outcomes import Outcome

LANGUAGES = tuple(lang.value for lang in Language)
CONTEXTS = {"login": "console.page"}  # one English word, two Russian ones

ENGLISH: dict[str, str] = {
    "title": C_("console", "Quotas: bulk changes"),
    "sandbox_banner": C_(
        "console",
        "Practice mode: changes go to the local sandbox operator, not to the real cabinet.",
    ),
    "upload": C_("console", "Upload"),
    "upload_help": C_(
        "console", "Drop .xlsx, .csv or .yaml files here (several at once) or choose them."
    ),
    "choose_files": C_("console", "Choose files"),
    "no_files": C_("console", "No file chosen"),
    "skip_invalid": C_("console", "Skip invalid rows"),
    "check": C_("console", "Check"),
    "validation": C_("console", "Validation"),
    "errors": C_("console", "Problems in the files"),
    "source": C_("console", "Where"),
    "column": C_("console", "Column"),
    "message": C_("console", "What is wrong"),
    "fix_or_skip": C_(
        "console",
        "Fix the file, or upload it again with «Skip invalid rows» ticked. Such a plan cannot be approved.",
    ),
    "plan": C_("console", "Plan"),
    "subscriber": C_("console", "Subscriber"),
    "action": C_("console", "Action"),
    "quota_before": C_("console", "Quota now"),
    "quota_after": C_("console", "Quota after"),
    "all": C_("console", "all"),
    "add": C_("console", "add"),
    "edit": C_("console", "edit"),
    "delete": C_("console", "delete"),
    "prune_note": C_(
        "console",
        "Quotas of subscribers not in the files are left alone: the console deletes only what the files mark with the action «delete».",
    ),
    "reviewed": C_("console", "I have reviewed the plan"),
    "approve": C_("console", "Approve and send the requests"),
    "nothing_to_do": C_("console", "Everything already matches the files: nothing to send."),
    "user_name": C_("console", "User name"),
    "not_found": C_("console", "Not found."),
    "run": C_("console", "Run"),
    "no_runs": C_("console", "No runs yet."),
    "upload_count": C_("console", "Choose from 1 to {most} files."),
    "upload_kind": C_("console", "{name}: quotabulk reads {kinds} files."),
    "upload_size": C_("console", "{name} is larger than {mb} MB."),
    "bad_form": C_("console", "The form came incomplete. Open the page again and repeat."),
    "form_expired": C_(
        "console",
        "This form is from an old page (the session ended or the server restarted). "
        "Open the page again and repeat.",
    ),
    "session_ended": C_(
        "console", "Your session has ended (or the server restarted). Please sign in again."
    ),
    "reconnecting": C_("console", "No connection to the server; trying again…"),
    "job_gone": C_(
        "console",
        "The server restarted before this began, so it never began and nothing was sent "
        "for it: upload the files again.",
    ),
    "reconnected": C_("console", "Connected to the server again."),
    "signed_out_progress": C_(
        "console",
        "The server restarted or your session ended: sign in again to see this run "
        "(it goes on without this page).",
    ),
    "ask_warn_at": C_(
        "console",
        "{where}: column «{label}» looks like a notification threshold, but its header is "
        "not one quotabulk knows. What is it?",
    ),
    "ask_on_exceed": C_(
        "console",
        "{where}: column «{label}» looks like the rule on exceeding the limit, but its header "
        "is not one quotabulk knows. What is it?",
    ),
    "map_warn_at": C_("console", "Use «{label}» as the notification threshold"),
    "map_on_exceed": C_("console", "Use «{label}» as the rule on exceeding"),
    "ignore_column": C_("console", "Leave «{label}» alone"),
    "hidden_question": C_(
        "console",
        "The workbook has hidden rows or columns. Hidden rows are often people who left or "
        "rows filtered out: say whether to apply them.",
    ),
    "hidden_read": C_("console", "Read the hidden rows too"),
    "sheet_map": C_("console", "Use «{label}» as the limit of sheet «{sheet}»"),
    "sheet_skip": C_("console", "Leave sheet «{sheet}» out"),
    "hidden_skip": C_("console", "Leave the hidden rows out"),
    "maker_only": C_("console", "Only a maker submits a plan for approval."),
    "checker_only": C_("console", "Only a checker approves or declines a plan."),
    "four_eyes_submit": C_("console", "Four eyes apply here: submit the plan for approval."),
    "admin_no_approve": C_("console", "An admin does not approve plans."),
    "review_first": C_("console", "Review the plan shown, then approve that plan."),
    "own_uploads_only": C_("console", "A maker submits only a plan of their own uploads."),
    "decision_stands_approved": C_(
        "console", "This plan was decided already: {by} approved it at {at}. That decision stands."
    ),
    "decision_stands_declined": C_(
        "console",
        "This plan was decided already: {by} declined it at {at}. That decision is final; to try again, the maker submits the plan anew.",
    ),
    "makers_upload": C_("console", "With four eyes, a maker uploads the files."),
    "send_n": C_("console", "Send {requests} on account {account} ({target})"),
    "submit_n": C_("console", "Submit for approval: {requests} on account {account} ({target})"),
    "sandbox_name": C_("console", "sandbox"),
    "operator_waiting": C_("console", "The operator is not answering, retrying…"),
    "stage_reading": C_("console", "Reading the files…"),
    "stage_planning": C_("console", "Comparing with the operator and planning…"),
    "stage_done": C_("console", "Done."),
    "stage_failed": C_("console", "It did not work."),
    "nothing_valid": C_("console", "No row is free of errors: nothing to send."),
    "problems_more": C_("console", "The first {shown} of {total} problems are shown."),
    "notices": C_("console", "While reading the files:"),
    "calendar": C_("console", "Scheduled by the periods of the files (sent on their days):"),
    "download_all_errors": C_("console", "Download every problem (.xlsx)"),
    "limits_total": C_("console", "Sum of limits"),
    "accounts_heading": C_("console", "By account"),
    "accounts_total": C_("console", "All accounts"),
    "changes_more": C_(
        "console", "The first {shown} of {total} changes are shown; the sums below cover all."
    ),
    "filter_note": C_("console", "The filter only hides rows: every change of the plan is sent."),
    "throttled": C_("console", "Too many failed attempts. Try again in {minutes} min."),
    "throttled_s": C_("console", "Too many failed attempts. Try again in {seconds} s."),
    "rows_of": C_("console", "Rows {first}–{last} of {total}; the report has all of them."),
    "fingerprint": C_("console", "Plan digest"),
    "approve_as_checker": C_("console", "Approve and send the requests"),
    "decline": C_("console", "Decline"),
    "comment": C_("console", "Comment"),
    "approvals": C_("console", "Awaiting approval"),
    "no_pending": C_("console", "No plan is awaiting approval."),
    "submitted_at": C_("console", "Submitted"),
    "maker": C_("console", "Prepared by"),
    "files": C_("console", "Files"),
    "audit": C_("console", "Audit trail"),
    "fe_pending": C_("console", "Awaiting approval: prepared by {maker}, {at}."),
    "fe_approved": C_("console", "Approved by {checker}, {decided_at} (prepared by {maker})."),
    "fe_declined": C_("console", "Declined by {checker}, {decided_at}."),
    "fe_run": C_("console", "The requests were sent (run {run_id})."),
    "fe_wait_for_checker": C_("console", "Only another person, a checker, can approve this plan."),
    "role_maker": C_("console", "maker"),
    "role_checker": C_("console", "checker"),
    "role_admin": C_("console", "admin"),
    "progress": C_("console", "Progress"),
    "sent": C_("console", "Requests sent"),
    "final": C_("console", "Processed"),
    "result": C_("console", "Result"),
    "outcome": C_("console", "Outcome"),
    "request": C_("console", "Request"),
    "reason": C_("console", "Reason"),
    "download": C_("console", "Download the report"),
    "runs": C_("console", "Runs"),
    "history": C_("console", "Request history"),
    "started": C_("console", "Started"),
    "account": C_("console", "Account"),
    "status": C_("console", "Status"),
    "login": C_("console.page", "Sign in"),
    "password": C_("console", "Password"),
    "sign_in": C_("console", "Sign in"),
    "sign_out": C_("console", "Sign out"),
    "failed_job": C_("console", "The run did not happen"),
    "login_failed": C_("console", "Wrong password. Try again."),
    "new_upload": C_("console", "New upload"),
    "rows_read": C_("console", "Rows read: {rows}, invalid: {invalid}."),
    "plan_summary": C_(
        "console", "Plan: {add} to add, {edit} to edit, {delete} to delete, {unchanged} unchanged."
    ),
}

REQUESTS = NP_("{n} request", "{n} requests")
PLURALS = {"unchanged_note": NP_("Unchanged: {n} subscriber.", "Unchanged: {n} subscribers.")}


@cache
def labels(lang: Language) -> dict[str, str]:
    """Every label in `lang`, and the outcome words as the reports write them (`o_…`),
    so the page and the file agree."""
    found = {
        key: i18n.p_(CONTEXTS.get(key, "console"), english, lang)
        for key, english in ENGLISH.items()
    }
    found.update({f"o_{outcome.value}": outcome_word(outcome, lang) for outcome in Outcome})
    return found


def labels_of(lang: str) -> dict[str, str]:
    return labels(Language(lang))


def describe(quota: Quota | None, lang: str) -> str:
    """A quota in the page's language: `1 500,00 ₽ (порог 1 200,00 ₽, блокировка)`."""
    return describe_quota(quota, Language(lang))


def plural(key: str, n: int, lang: str) -> str:
    """A label whose words agree with `n`: «Без изменений: 3 абонента»."""
    return i18n.n_(*PLURALS[key], n, Language(lang)).format(n=n)


def requests_phrase(n: int, lang: str) -> str:
    """«12 заявок» / "12 requests", as the approve button says it."""
    return i18n.n_(*REQUESTS, n, Language(lang)).format(n=n)

"""The review page: every invalid row with its location, the plan, and the approval.

The upload is read and planned in a worker thread (`console/planning.py`); until that
is done the page shows how far it got — and says so when the operator is not
answering — and then the plan, which reloads show without parsing again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from quotabulk.app import people
from quotabulk.app.applying import read_saved_plan_parts
from quotabulk.app.reviewing import (
    Shown,
    choose_column,
    choose_hidden,
    choose_sheet,
    frozen_view,
)
from quotabulk.app.words import MAPPABLE_FIELDS, located, moment, money
from quotabulk.app.words import message as render
from quotabulk.console.context import (
    acting_user,
    console_of,
    language_of,
    page,
    posted_upload,
    refused,
    shown,
    upload_folder,
    words_of,
)
from quotabulk.console.i18n import describe, plural, requests_phrase
from quotabulk.console.pages.four_eyes import FROZEN, freeze, status_of, upload_meta
from quotabulk.domain.language import Language
from quotabulk.domain.messages import (
    HIDDEN_STOP,
    LOOKS_LIKE,
    NO_HEADER_FOR_PHONES,
    NO_LIMIT_COLUMN,
)

router = APIRouter()


@router.get("/u/{upload_id}", response_class=HTMLResponse)
async def review(request: Request, upload_id: str) -> HTMLResponse:
    folder = upload_folder(request, upload_id)
    if folder is None:
        return refused(request, "not_found", 404)
    console = console_of(request)
    paths = sorted(folder.glob("*/*"))
    frozen = folder / FROZEN
    if frozen.exists():  # submitted or approved: the page shows that plan, not a new one
        view = await run_in_threadpool(frozen_view, frozen, paths)
        return await _render(request, upload_id, folder, view)
    task = console.planner.task(upload_id, folder)
    if not task.finished:
        return page(request, "planning.html", upload_id=upload_id, task=task.state())
    if task.shown is None:  # failed: say why; a reload tries again
        console.planner.forget(upload_id)
        lang = language_of(request)
        said = task.said
        message = shown(
            task.error or "" if said is None else located(task.where, said, lang), folder
        )
        if said is not None and said.code == LOOKS_LIKE.code:  # a threshold-like column:
            return page(  # offer both ways out, as the CLI does
                request,
                "mapping.html",
                where=shown(task.where or "", folder),
                upload_id=upload_id,
                label=str(said.part("label")),
                field=str(said.part("field")),
                status=400,
            )
        if said is not None and said.code in (NO_LIMIT_COLUMN.code, NO_HEADER_FOR_PHONES.code):
            return page(  # a sheet with phones and no limit column: map it, or leave it out
                request,
                "sheet.html",
                message=message,
                upload_id=upload_id,
                sheet=str(said.part("sheet")),
                label=str(said.part("candidate") or ""),
                status=400,
            )
        if said is not None and said.code == HIDDEN_STOP.code:  # read or skip: the user says
            return page(request, "hidden.html", message=message, upload_id=upload_id, status=400)
        return page(request, "error.html", message=message, status=400)
    return await _render(request, upload_id, folder, task.shown)


@router.get("/u/{upload_id}/state")
async def planning_state(request: Request, upload_id: str) -> JSONResponse:
    folder = upload_folder(request, upload_id)
    if folder is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    if (folder / FROZEN).exists():
        return JSONResponse({"stage": "done", "done": True, "operator_waiting": False})
    task = console_of(request).planner.task(upload_id, folder)
    return JSONResponse(task.state())


async def _render(request: Request, upload_id: str, folder: Path, view: Shown) -> HTMLResponse:
    console = console_of(request)
    lang = language_of(request).value
    words = words_of(request)
    meta = upload_meta(folder)
    skip = meta["skip_invalid"]
    problems = [  # a page of them; all of them are a download away
        {
            "source": shown(p.source, folder),
            "column": p.column or "",
            "message": render(p.message, Language(lang)),
        }
        for p in view.problems
    ]
    notices = [shown(render(n, Language(lang)), folder) for n in view.notices]
    schedule = [shown(render(line, Language(lang)), folder) for line in view.schedule]
    extras = list(dict.fromkeys(name for c in view.changes for name in c.extras))
    rows = [  # the first CHANGES_ON_PAGE; the counts and sums cover every change
        {
            "sign": c.kind,
            "msisdn": c.msisdn,
            "source": shown(c.source, folder),
            "before": describe(c.before, lang),
            "after": describe(c.after, lang),
            "extras": [c.extras.get(name, "") for name in extras],
        }
        for c in view.changes
    ]
    user = acting_user(request)
    submission = await run_in_threadpool(
        status_of, console.workspace, view.digest, meta.get("submission")
    )
    if submission is not None:  # the journal's UTC, in the account's zone
        for key in ("at", "decided_at"):
            if submission.get(key):
                submission[key] = moment(submission[key], Language(lang))
    target = _operator_name(view.operator_url, words)
    requests = requests_phrase(view.change_count, lang)
    sending = {"requests": requests, "account": view.account, "target": target}
    money_of = Language(lang)
    return page(
        request,
        "review.html",
        submission=submission,
        mine=user is not None and submission is not None and submission["maker"] == user.name,
        upload_id=upload_id,
        problems=problems,
        notices=notices,
        schedule=schedule,
        problem_count=view.problem_count,
        invalid_rows=view.invalid_rows,
        blocked=bool(problems) and not skip,
        changes=rows,
        change_count=view.change_count,
        extras=extras,
        totals={
            "before": money(view.limits_before, money_of),
            "after": money(view.limits_after, money_of),
        },
        summary=words["plan_summary"].format(**view.summary),
        accounts=[  # several accounts: a section each, with its own sums
            {
                "account": a.account,
                "summary": words["plan_summary"].format(**a.summary),
                "before": money(a.limits_before, money_of),
                "after": money(a.limits_after, money_of),
            }
            for a in view.accounts
        ],
        unchanged_note=plural("unchanged_note", view.summary["unchanged"], lang),
        rows=view.rows,
        fingerprint=view.digest,
        account=view.account,
        send_label=words["send_n"].format(**sending),
        submit_label=words["submit_n"].format(**sending),
    )


def _operator_name(url: str, words: dict[str, str]) -> str:
    """`api.operator.example:443`, or «песочница» for the local sandbox."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return words["sandbox_name"]
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}:{port}"


def _answered(
    request: Request, upload_id: str, csrf: str, sound: bool, record: Callable[[Path], None]
) -> Response:
    """A page's answer to a question about reading the upload (a column, hidden rows, a
    sheet): when the form is genuine and `sound`, `record` it beside the upload, and
    plan the upload again with it."""
    folder = posted_upload(request, csrf, upload_id)
    if isinstance(folder, Response):
        return folder
    if not sound:
        return refused(request, "not_found", 404)
    record(folder)
    console_of(request).planner.forget(upload_id)
    return RedirectResponse(f"/u/{upload_id}", status_code=303)


@router.post("/u/{upload_id}/columns")
async def map_column(
    request: Request,
    upload_id: str,
    csrf: str = Form(""),
    field: str = Form(""),
    label: str = Form(""),
    choice: str = Form(""),
) -> Response:
    """The page's answer to «column X looks like a threshold»: use it as one, or leave
    it alone on purpose."""
    sound = field in MAPPABLE_FIELDS and 0 < len(label) <= 200 and choice in ("map", "ignore")
    return _answered(
        request,
        upload_id,
        csrf,
        sound,
        lambda folder: choose_column(folder, field, label, ignore=choice == "ignore"),
    )


@router.post("/u/{upload_id}/hidden")
async def decide_hidden(
    request: Request, upload_id: str, csrf: str = Form(""), choice: str = Form("")
) -> Response:
    """The page's answer to «the workbook has hidden rows»: read them, or leave them out
    (`--hidden read|skip`)."""
    sound = choice in ("read", "skip")
    return _answered(request, upload_id, csrf, sound, lambda f: choose_hidden(f, choice))


@router.post("/u/{upload_id}/sheet")
async def decide_sheet(
    request: Request,
    upload_id: str,
    csrf: str = Form(""),
    sheet: str = Form(""),
    label: str = Form(""),
    choice: str = Form(""),
) -> Response:
    """The page's answer to «sheet X has phone numbers but no limit column»: use the
    closest header as its limit, or leave the sheet out (the mapping file's `sheets:`)."""
    sound = (
        0 < len(sheet) <= 200
        and len(label) <= 200
        and (choice == "skip" or (choice == "map" and bool(label)))
    )
    limit = label if choice == "map" else None
    return _answered(request, upload_id, csrf, sound, lambda f: choose_sheet(f, sheet, limit))


@router.get("/u/{upload_id}/errors.xlsx")
async def errors_download(request: Request, upload_id: str) -> Response:
    """Every problem of the upload, not only the hundred the page shows (written by the
    planning process beside the upload)."""
    folder = upload_folder(request, upload_id)
    if folder is None or not (folder / "errors.xlsx").exists():
        return Response(words_of(request)["not_found"], status_code=404)
    return FileResponse(folder / "errors.xlsx", filename="errors.xlsx")


@router.post("/u/{upload_id}/approve")
async def approve(
    request: Request,
    upload_id: str,
    csrf: str = Form(""),
    fingerprint: str = Form(""),
    reviewed: bool = Form(False),
) -> Response:
    folder = posted_upload(request, csrf, upload_id, "plan.json")
    if isinstance(folder, Response):
        return folder
    console = console_of(request)
    if await run_in_threadpool(console.four_eyes):
        return refused(request, "four_eyes_submit")
    user = acting_user(request)
    if user is not None and user.role is people.Role.ADMIN:
        return refused(request, "admin_no_approve")
    saved = await run_in_threadpool(read_saved_plan_parts, folder / "plan.json")
    # The plan applied is the one on the page: its digest must match, and the runner
    # refuses it if the operator's state moved since (apply --plan's check).
    if not reviewed or saved.digest != fingerprint:
        return refused(request, "review_first", 409)
    shown_as = ", ".join(path.name for path in sorted(folder.glob("*/*")))
    freeze(folder)
    job = console.jobs.start(
        upload_id, folder / FROZEN, shown_as, started_by=user.name if user else None
    )
    return RedirectResponse(f"/jobs/{job.job_id}", status_code=303)

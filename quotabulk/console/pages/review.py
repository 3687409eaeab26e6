"""The review page: every invalid row with its location, the plan, and the approval.

The upload is read and planned in a worker thread (`console/planning.py`); until that
is done the page shows how far it got — and says so when the operator is not
answering — and then the plan, which reloads show without parsing again.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import xlsxwriter
from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from quotabulk.app import people
from quotabulk.console.auth import csrf_ok
from quotabulk.console.context import acting_user, console_of, page, shown, upload_folder
from quotabulk.console.i18n import LABELS, describe, requests_phrase
from quotabulk.console.pages.four_eyes import FROZEN, freeze, status_of
from quotabulk.console.planning import Shown, frozen_view
from quotabulk.formats.language import Language, money
from quotabulk.formats.messages import render
from quotabulk.formats.plans.write import plan_json
from quotabulk.formats.reports.columns import inert

router = APIRouter()
PROBLEMS_ON_PAGE = 100


@router.get("/u/{upload_id}", response_class=HTMLResponse)
async def review(request: Request, upload_id: str) -> HTMLResponse:
    folder = upload_folder(request, upload_id)
    if folder is None:
        return page(request, "error.html", message=_t(request)["not_found"], status=404)
    console = console_of(request)
    paths = sorted(folder.glob("*/*"))
    frozen = folder / FROZEN
    if frozen.exists():  # submitted or approved: the page shows that plan, not a new one
        view = await run_in_threadpool(frozen_view, frozen, paths)
        return await _render(request, upload_id, folder, view, fresh=False)
    task = console.planner.task(upload_id, paths)
    if not task.finished:
        return page(request, "planning.html", upload_id=upload_id, task=task.state())
    if task.shown is None:  # failed: say why; a reload tries again
        console.planner.forget(upload_id)
        message = shown(task.error or "", folder)
        return page(request, "error.html", message=message, status=400)
    return await _render(request, upload_id, folder, task.shown, fresh=True)


@router.get("/u/{upload_id}/state")
async def planning_state(request: Request, upload_id: str) -> JSONResponse:
    folder = upload_folder(request, upload_id)
    if folder is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    if (folder / FROZEN).exists():
        return JSONResponse({"stage": "done", "done": True, "operator_waiting": False})
    task = console_of(request).planner.task(upload_id, sorted(folder.glob("*/*")))
    return JSONResponse(task.state())


async def _render(
    request: Request, upload_id: str, folder: Path, view: Shown, *, fresh: bool
) -> HTMLResponse:
    console = console_of(request)
    lang = request.session.get("lang", "ru")
    words = LABELS[lang]
    skip = json.loads((folder / "meta.json").read_text())["skip_invalid"]
    planned = view.plan
    problems = [
        {
            "source": shown(p.source, folder),
            "column": p.column or "",
            "message": render(p.message, Language(lang)),
        }
        for row in view.invalid
        for p in row.problems
    ]
    body = plan_json(planned, view.account, view.operator_url, view.loaded_invalid)
    if fresh:
        (folder / "plan.json").write_text(json.dumps(body, ensure_ascii=False))
    changes = planned.changes
    extras = list(dict.fromkeys(name for a in changes for name in a.extras.columns))
    rows = [
        {
            "sign": a.kind.value,
            "msisdn": a.msisdn,
            "source": shown(a.source, folder),
            "before": describe(a.before, lang),
            "after": describe(a.after, lang),
            "extras": [a.extras.as_dict().get(name, "") for name in extras],
        }
        for a in changes
    ]
    before = sum((a.before.limit for a in changes if a.before), Decimal(0))
    after = sum((a.after.limit for a in changes if a.after), Decimal(0))
    user = acting_user(request)
    submission = await run_in_threadpool(status_of, console.workspace, body["digest"])
    target = _operator_name(view.operator_url, words)
    return page(
        request,
        "review.html",
        submission=submission,
        mine=user is not None and submission is not None and submission["maker"] == user.name,
        four_eyes_mode=await run_in_threadpool(console.four_eyes),
        upload_id=upload_id,
        problems=problems[:PROBLEMS_ON_PAGE],
        problem_count=len(problems),
        invalid_rows=len(view.invalid),
        blocked=bool(problems) and not skip,
        changes=rows,
        extras=extras,
        totals={"before": money(before, Language(lang)), "after": money(after, Language(lang))},
        summary=words["plan_summary"].format(**planned.summary()),
        unchanged=planned.summary()["unchanged"],
        rows=view.rows,
        fingerprint=body["digest"],
        account=view.account,
        send_label=words["send_n"].format(
            requests=requests_phrase(len(changes), lang), account=view.account, target=target
        ),
    )


def _operator_name(url: str, words: dict[str, str]) -> str:
    """`api.operator.example:443`, or «песочница» for the local sandbox."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return words["sandbox_name"]
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}:{port}"


def _t(request: Request) -> dict[str, str]:
    return LABELS[request.session.get("lang", "ru")]


@router.get("/u/{upload_id}/errors.xlsx")
async def errors_download(request: Request, upload_id: str) -> Response:
    """Every problem of the upload, not only the hundred the page shows."""
    folder = upload_folder(request, upload_id)
    task = None if folder is None else console_of(request).planner.peek(upload_id)
    if folder is None or task is None or task.shown is None:
        return Response(_t(request)["not_found"], status_code=404)
    words = _t(request)
    target = folder / f".errors-{id(task)}.xlsx"
    lang = Language(request.session.get("lang", "ru"))
    problems = [
        (shown(p.source, folder), p.column or "", render(p.message, lang))
        for row in task.shown.invalid
        for p in row.problems
    ]
    await run_in_threadpool(_write_problems, target, problems, words)
    return FileResponse(
        target,
        filename="errors.xlsx",
        background=BackgroundTask(target.unlink, missing_ok=True),
    )


def _write_problems(target: Path, problems: list[tuple[str, str, str]], words: Any) -> None:
    book = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    sheet = book.add_worksheet(words["errors"][:31])
    bold = book.add_format({"bold": True, "bg_color": "#D9E1F2"})
    for column, (name, width) in enumerate(
        ((words["source"], 40), (words["column"], 24), (words["message"], 80))
    ):
        sheet.write_string(0, column, name, bold)
        sheet.set_column(column, column, width)
    for line, cells in enumerate(problems, start=1):
        for column, text in enumerate(cells):
            sheet.write_string(line, column, inert(text))
    sheet.freeze_panes(1, 0)
    book.close()


@router.post("/u/{upload_id}/approve")
async def approve(
    request: Request,
    upload_id: str,
    csrf: str = Form(""),
    fingerprint: str = Form(""),
    reviewed: bool = Form(False),
) -> Response:
    if not csrf_ok(request, csrf):
        return Response("CSRF check failed", status_code=403)
    console = console_of(request)
    words = _t(request)
    if await run_in_threadpool(console.four_eyes):
        return page(request, "error.html", message=words["four_eyes_submit"], status=403)
    user = acting_user(request)
    if user is not None and user.role is people.Role.ADMIN:
        return page(request, "error.html", message=words["admin_no_approve"], status=403)
    folder = upload_folder(request, upload_id)
    if folder is None or not (folder / "plan.json").exists():
        return page(request, "error.html", message=words["not_found"], status=404)
    saved = json.loads((folder / "plan.json").read_text())
    # The plan applied is the one on the page: its digest must match, and the runner
    # refuses it if the operator's state moved since (apply --plan's check).
    if not reviewed or saved["digest"] != fingerprint:
        return page(request, "error.html", message=words["review_first"], status=409)
    shown_as = ", ".join(path.name for path in sorted(folder.glob("*/*")))
    freeze(folder)
    job = console.jobs.start(
        upload_id, folder / FROZEN, shown_as, started_by=user.name if user else None
    )
    return RedirectResponse(f"/jobs/{job.job_id}", status_code=303)

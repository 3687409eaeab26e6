"""The review page: every invalid row with its location, the plan, and the approval."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from quotabulk.app import people
from quotabulk.app.applying import read_saved_plan
from quotabulk.app.planning import PlanView, plan_loaded, validate
from quotabulk.app.workspace import Workspace
from quotabulk.console.auth import csrf_ok
from quotabulk.console.context import acting_user, console_of, page, shown, upload_folder
from quotabulk.console.i18n import LABELS, describe
from quotabulk.console.pages.four_eyes import FROZEN, freeze, status_of
from quotabulk.domain.errors import QuotabulkError
from quotabulk.domain.models import InvalidRow
from quotabulk.domain.plan import Plan, PlanOptions
from quotabulk.formats.plans.write import plan_json

router = APIRouter()


@router.get("/u/{upload_id}", response_class=HTMLResponse)
async def review(request: Request, upload_id: str) -> HTMLResponse:
    folder = upload_folder(request, upload_id)
    if folder is None:
        return page(request, "error.html", message="not found", status=404)
    skip = json.loads((folder / "meta.json").read_text())["skip_invalid"]
    lang = request.session.get("lang", "ru")
    paths = sorted(folder.glob("*/*"))
    frozen = folder / FROZEN
    try:
        # Parsing and planning block: off the event loop, so other pages still answer.
        if frozen.exists():  # submitted or approved: the page shows that plan, not a new one
            view = await run_in_threadpool(_frozen_view, frozen, paths)
        else:
            view = await run_in_threadpool(_plan_upload, console_of(request).workspace, paths)
    except QuotabulkError as exc:
        return page(request, "error.html", message=shown(exc.message, folder), status=400)
    planned, account = view.plan, view.account
    problems = [
        {"source": shown(p.source, folder), "column": p.column or "", "message": p.message}
        for row in view.invalid
        for p in row.problems
    ]
    body = plan_json(planned, account, view.operator_url, view.loaded_invalid)
    if not frozen.exists():
        (folder / "plan.json").write_text(json.dumps(body, ensure_ascii=False))
    changes = [
        {
            "sign": a.kind.value,
            "msisdn": a.msisdn,
            "source": shown(a.source, folder),
            "before": describe(a.before, lang),
            "after": describe(a.after, lang),
        }
        for a in planned.changes
    ]
    console = console_of(request)
    user = acting_user(request)
    submission = await run_in_threadpool(status_of, console.workspace, body["digest"])
    return page(
        request,
        "review.html",
        submission=submission,
        mine=user is not None and submission is not None and submission["maker"] == user.name,
        four_eyes_mode=await run_in_threadpool(console.four_eyes),
        upload_id=upload_id,
        problems=problems,
        blocked=bool(problems) and not skip,
        changes=changes,
        summary=LABELS[lang]["plan_summary"].format(**planned.summary()),
        unchanged=planned.summary()["unchanged"],
        rows=view.rows,
        fingerprint=body["digest"],
        account=account,
    )


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
    if await run_in_threadpool(console.four_eyes):
        return page(request, "error.html", message="four eyes: submit the plan", status=403)
    user = acting_user(request)
    if user is not None and user.role is people.Role.ADMIN:
        return page(request, "error.html", message="an admin does not approve", status=403)
    folder = upload_folder(request, upload_id)
    if folder is None or not (folder / "plan.json").exists():
        return page(request, "error.html", message="not found", status=404)
    saved = json.loads((folder / "plan.json").read_text())
    # The plan applied is the one on the page: its digest must match, and the runner
    # refuses it if the operator's state moved since (apply --plan's check).
    if not reviewed or saved["digest"] != fingerprint:
        return page(
            request, "error.html", message="review the plan shown, then approve it", status=409
        )
    shown_as = ", ".join(path.name for path in sorted(folder.glob("*/*")))
    freeze(folder)
    job = console.jobs.start(
        upload_id, folder / "plan.json", shown_as, started_by=user.name if user else None
    )
    return RedirectResponse(f"/jobs/{job.job_id}", status_code=303)


@dataclass(frozen=True)
class _Shown:
    """What the review page shows: a fresh plan of the upload, or the one frozen when
    it was submitted or approved."""

    plan: Plan
    account: str
    operator_url: str
    invalid: Sequence[InvalidRow]  # every row problem shown
    loaded_invalid: Sequence[InvalidRow]  # those of the files themselves, kept in plan.json
    rows: int


def _plan_upload(workspace: Workspace, paths: list[Path]) -> _Shown:
    loaded = validate(paths)
    view: PlanView = plan_loaded(workspace, loaded, PlanOptions(), skip_invalid=True)
    return _Shown(
        view.plan,
        view.account,
        view.operator_url,
        [*loaded.invalid, *view.plan.problems],
        loaded.invalid,
        loaded.row_count,
    )


def _frozen_view(frozen: Path, paths: list[Path]) -> _Shown:
    saved = read_saved_plan(frozen, ", ".join(path.name for path in paths))
    rows = len(saved.plan.actions) + len(saved.invalid)
    return _Shown(saved.plan, saved.account, saved.operator_url, saved.invalid, saved.invalid, rows)

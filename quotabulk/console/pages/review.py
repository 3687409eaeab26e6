"""The review page: every invalid row with its location, the plan, and the approval."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from quotabulk.app.planning import PlanView, plan_loaded, validate
from quotabulk.app.workspace import Workspace
from quotabulk.console.auth import csrf_ok
from quotabulk.console.context import console_of, page, shown, upload_folder
from quotabulk.console.i18n import LABELS, describe
from quotabulk.domain.errors import QuotabulkError
from quotabulk.domain.plan import PlanOptions
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
    try:
        # Parsing and planning block: off the event loop, so other pages still answer.
        view = await run_in_threadpool(_plan_upload, console_of(request).workspace, paths)
    except QuotabulkError as exc:
        return page(request, "error.html", message=shown(exc.message, folder), status=400)
    loaded, planned, account = view.loaded, view.plan, view.account
    problems = [
        {"source": shown(p.source, folder), "column": p.column or "", "message": p.message}
        for row in [*loaded.invalid, *planned.problems]
        for p in row.problems
    ]
    body = plan_json(planned, account, view.operator_url, loaded.invalid)
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
    return page(
        request,
        "review.html",
        upload_id=upload_id,
        problems=problems,
        blocked=bool(problems) and not skip,
        changes=changes,
        summary=LABELS[lang]["plan_summary"].format(**planned.summary()),
        unchanged=planned.summary()["unchanged"],
        rows=loaded.row_count,
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
    job = console_of(request).jobs.start(upload_id, folder / "plan.json", shown_as)
    return RedirectResponse(f"/jobs/{job.job_id}", status_code=303)


def _plan_upload(workspace: Workspace, paths: list[Path]) -> PlanView:
    loaded = validate(paths)
    return plan_loaded(workspace, loaded, PlanOptions(), skip_invalid=True)

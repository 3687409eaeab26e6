"""Past runs from the journal, and any run's report rebuilt for download."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from quotabulk.app.auditing import write_run_audit
from quotabulk.app.runs import RUNS_JOINED, run_status, run_summaries
from quotabulk.app.words import run_status_word
from quotabulk.console.context import SAFE_ID, console_of, language_of, page
from quotabulk.console.planning import in_worker, write_report_file
from quotabulk.domain.errors import QuotabulkError

router = APIRouter()


@router.get("/runs", response_class=HTMLResponse)
async def runs(request: Request) -> HTMLResponse:
    found = [
        {
            "run_id": r.run_id,
            "started": r.started_at,
            "account": r.account,
            "status": run_status_word(r.status, language_of(request)),
            "counts": {k: v for k, v in r.counts().items() if v},
        }
        for r in await run_in_threadpool(run_summaries, console_of(request).workspace, 50)
    ]
    return page(request, "runs.html", runs=found)


@router.get("/runs/{run_id}/report.{fmt}")
async def report(request: Request, run_id: str, fmt: str) -> Response:
    if fmt not in ("xlsx", "csv", "json") or not set(run_id) <= SAFE_ID | {RUNS_JOINED}:
        return Response("not found", status_code=404)
    console = console_of(request)
    try:
        status = await run_in_threadpool(run_status, console.workspace, run_id)
    except QuotabulkError:
        return Response("not found", status_code=404)
    lang = language_of(request)
    target = console.uploads / "reports" / f"{run_id}-{lang}.{fmt}"
    # A finished run's report never changes: written once, in a planning process, then
    # served as a file. A run under way is written afresh.
    if not (status.ended and target.is_file()):
        settings = console.workspace.settings
        await in_worker(write_report_file, settings, run_id, target, lang.value)
    return FileResponse(target, filename=f"quotabulk-{run_id}.{fmt}")


@router.get("/runs/{run_id}/audit.{fmt}")
async def audit(request: Request, run_id: str, fmt: str) -> Response:
    """Who submitted, who approved, who started the run, every request: the journal's
    append-only trail, downloadable by anyone signed in, editable by no one."""
    if fmt not in ("xlsx", "json") or not set(run_id) <= SAFE_ID:
        return Response("not found", status_code=404)
    console = console_of(request)
    lang = language_of(request)
    target = console.uploads / "audits" / f"{run_id}-{lang}-{secrets.token_hex(4)}.{fmt}"
    try:
        await in_worker(write_run_audit, console.workspace, run_id, target, lang)
    except QuotabulkError:
        return Response("not found", status_code=404)
    return FileResponse(
        target,
        filename=f"quotabulk-audit-{run_id}.{fmt}",
        background=BackgroundTask(target.unlink, missing_ok=True),
    )

"""A job's page: live progress while it runs, then the result."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from quotabulk.app.words import message as render
from quotabulk.app.words import reason as reason_text
from quotabulk.console.context import (
    console_of,
    language_of,
    page,
    refused,
    shown,
    upload_folder,
)
from quotabulk.console.jobs import Job
from quotabulk.console.pages.four_eyes import FROZEN

router = APIRouter()
ROWS_PER_PAGE = 200


async def _job(request: Request, job_id: str) -> Job | None:
    """The job in memory, or — after a restart — the run the journal has for the upload."""
    console = console_of(request)
    job = console.jobs.get(job_id)
    if job is not None:
        return job
    folder = upload_folder(request, job_id)
    if folder is None or not (folder / FROZEN).exists():
        return None
    shown_as = ", ".join(path.name for path in sorted(folder.glob("*/*")))
    return await run_in_threadpool(console.jobs.recover, job_id, folder / FROZEN, shown_as)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
async def job_page(request: Request, job_id: str, page_no: int = 1) -> HTMLResponse:
    """The run's progress, then its result: the rows that need a person, a page of
    `ROWS_PER_PAGE` at a time (a run of 50 000 rows is a download, not a 10 MB page)."""
    console = console_of(request)
    job = await _job(request, job_id)
    if job is None:
        return refused(request, "not_found", 404)
    rows = []
    attention = 0
    if job.result is not None:
        needing = [r for r in job.result.rows if not r.outcome.good]
        attention = len(needing)
        page_no = min(max(1, page_no), max(1, -(-attention // ROWS_PER_PAGE)))
        first = (page_no - 1) * ROWS_PER_PAGE
        rows = [
            {
                "outcome": r.outcome.value,
                "msisdn": r.msisdn,
                "source": shown(r.source, console.uploads / job.upload_id),
                "request_id": r.request_id or "",
                "error": reason_text(r, language_of(request)),
            }
            for r in needing[first : first + ROWS_PER_PAGE]
        ]
    state = job.state()
    if state["error"]:
        state["error"] = render(job.said or state["error"], language_of(request))
    pages = {
        "number": page_no,
        "first": (page_no - 1) * ROWS_PER_PAGE + 1,
        "last": (page_no - 1) * ROWS_PER_PAGE + len(rows),
        "total": attention,
        "previous": page_no - 1 if page_no > 1 else None,
        "next": page_no + 1 if page_no * ROWS_PER_PAGE < attention else None,
    }
    return page(request, "job.html", job=state, rows=rows, pages=pages)


@router.get("/jobs/{job_id}/state")
async def job_state(request: Request, job_id: str) -> JSONResponse:
    job = await _job(request, job_id)
    if job is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    return JSONResponse(job.state())

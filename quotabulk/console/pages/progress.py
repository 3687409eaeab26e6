"""A job's page: live progress while it runs, then the result."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from quotabulk.console.context import console_of, page, shown

router = APIRouter()


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
async def job_page(request: Request, job_id: str) -> HTMLResponse:
    console = console_of(request)
    job = console.jobs.get(job_id)
    if job is None:
        return page(request, "error.html", message="not found", status=404)
    rows = []
    if job.result is not None:
        rows = [
            {
                "outcome": r.outcome.value,
                "msisdn": r.msisdn,
                "source": shown(r.source, console.uploads / job.upload_id),
                "request_id": r.request_id or "",
                "error": r.error or "",
            }
            for r in job.result.rows
            if not r.outcome.good
        ]
    return page(request, "job.html", job=job.state(), rows=rows)


@router.get("/jobs/{job_id}/state")
async def job_state(request: Request, job_id: str) -> JSONResponse:
    job = console_of(request).jobs.get(job_id)
    if job is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    return JSONResponse(job.state())

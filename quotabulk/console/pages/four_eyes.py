"""Maker–checker in the console: a maker submits the plan they reviewed, a checker
(never the same person) approves or declines it with a comment, and only an approval
starts the run. The records are the journal's append-only audit trail."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from quotabulk.app import people
from quotabulk.app.applying import read_saved_plan
from quotabulk.app.planning import current_state
from quotabulk.app.workspace import Workspace
from quotabulk.console.auth import csrf_ok
from quotabulk.console.context import acting_user, console_of, page, refused, upload_folder
from quotabulk.domain.errors import QuotabulkError
from quotabulk.formats.plans.read import refuse_if_stale

router = APIRouter()
# The plan as it was when submitted (or approved): what the checker sees and what runs.
FROZEN = "frozen-plan.json"


def freeze(folder: Path) -> None:
    """From now on the upload's page shows this plan, not a new plan of its files."""
    (folder / FROZEN).write_bytes((folder / "plan.json").read_bytes())


def status_of(workspace: Workspace, digest: str) -> dict[str, Any] | None:
    """Where a plan stands: submitted by whom, then approved or declined, with the run."""
    trail = people.trail_of(workspace, digest)
    if not trail:
        return None
    state: dict[str, Any] = {}
    for record in trail:
        if record.event is people.Event.SUBMITTED:
            state = {"state": "pending", "maker": record.user, "at": record.at}
        elif record.event in (people.Event.APPROVED, people.Event.DECLINED) and state:
            state.update(
                state=record.event.value,
                checker=record.user,
                decided_at=record.at,
                comment=record.detail.get("comment", ""),
            )
        elif record.event is people.Event.RUN:
            state.setdefault("state", "run")
            state["run_id"] = record.run_id
    return state or None


def _plan_of(folder: Path, name: str = "plan.json") -> tuple[dict[str, Any], list[Path]]:
    saved = json.loads((folder / name).read_text())
    return saved, sorted(folder.glob("*/*"))


@router.post("/u/{upload_id}/submit")
async def submit(
    request: Request,
    upload_id: str,
    csrf: str = Form(""),
    fingerprint: str = Form(""),
    reviewed: bool = Form(False),
) -> Response:
    if not csrf_ok(request, csrf):
        return Response("CSRF check failed", status_code=403)
    console = console_of(request)
    folder = upload_folder(request, upload_id)
    if folder is None or not (folder / "plan.json").exists():
        return refused(request, "not_found", 404)
    user = acting_user(request)
    if user is None or user.role is not people.Role.MAKER:
        return refused(request, "maker_only")
    saved, paths = _plan_of(folder)
    if not reviewed or saved["digest"] != fingerprint:
        return refused(request, "review_first", 409)
    detail = {
        "files": people.file_digests(paths),
        "upload": upload_id,
        "account": saved["account"],
        "operator": saved["operator"],
        "summary": saved["summary"],
    }
    await run_in_threadpool(
        people.submit_signed_in, console.workspace, saved["digest"], user.name, detail
    )
    freeze(folder)
    return RedirectResponse(f"/u/{upload_id}", status_code=303)


@router.post("/u/{upload_id}/decide")
async def decide(
    request: Request,
    upload_id: str,
    csrf: str = Form(""),
    fingerprint: str = Form(""),
    decision: str = Form(""),
    comment: str = Form(""),
) -> Response:
    if not csrf_ok(request, csrf):
        return Response("CSRF check failed", status_code=403)
    console = console_of(request)
    folder = upload_folder(request, upload_id)
    if folder is None or not (folder / FROZEN).exists():
        return refused(request, "not_found", 404)
    user = acting_user(request)
    if user is None or user.role is not people.Role.CHECKER:
        return refused(request, "checker_only")
    saved, paths = _plan_of(folder, FROZEN)
    if saved["digest"] != fingerprint or decision not in ("approve", "decline"):
        return refused(request, "review_first", 409)
    shown_as = ", ".join(path.name for path in paths)
    approve = decision == "approve"
    try:
        if approve:  # a plan that went stale while it waited is refused, listing why
            await run_in_threadpool(_still_fresh, console.workspace, folder / FROZEN, shown_as)
        await run_in_threadpool(
            lambda: people.decide_signed_in(
                console.workspace, fingerprint, user.name, approve=approve, comment=comment[:2000]
            )
        )
    except QuotabulkError as exc:
        return refused(request, exc.message, 409)
    if not approve:
        return RedirectResponse(f"/u/{upload_id}", status_code=303)
    job = console.jobs.start(
        upload_id, folder / FROZEN, shown_as, started_by=user.name, require_approval=True
    )
    return RedirectResponse(f"/jobs/{job.job_id}", status_code=303)


def _still_fresh(workspace: Workspace, plan_path: Path, shown_as: str) -> None:

    saved = read_saved_plan(plan_path, shown_as)
    _, _, current = asyncio.run(current_state(workspace, saved.account))
    refuse_if_stale(saved, current)


@router.get("/approvals", response_class=HTMLResponse)
async def approvals(request: Request) -> HTMLResponse:
    console = console_of(request)
    waiting = await run_in_threadpool(people.pending_plans, console.workspace)
    shown = [
        {
            "digest": record.digest,
            "maker": record.user,
            "at": record.at,
            "upload": record.detail.get("upload"),
            "files": [item["file"] for item in record.detail.get("files", [])],
            "summary": record.detail.get("summary", {}),
            "account": record.detail.get("account", ""),
        }
        for record in waiting
    ]
    return page(request, "approvals.html", waiting=shown)

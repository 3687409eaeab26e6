"""Maker–checker in the console: a maker submits the plan they reviewed, a checker
(never the same person) approves or declines it with a comment, and only an approval
starts the run. The records are the journal's append-only audit trail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from quotabulk.app import people
from quotabulk.app.applying import read_saved_plan_parts, refuse_if_stale_now
from quotabulk.app.holding_plans import saved_submission_detail
from quotabulk.app.words import message as say
from quotabulk.app.words import moment
from quotabulk.app.workspace import Workspace
from quotabulk.console.context import (
    acting_user,
    console_of,
    language_of,
    page,
    posted_upload,
    refused,
    words_of,
)
from quotabulk.domain.errors import DecisionTaken, PlanError, QuotabulkError
from quotabulk.domain.plan import SavedPlans

router = APIRouter()
# The plan as it was when submitted (or approved): what the checker sees and what runs.
FROZEN = "frozen-plan.json"


def freeze(folder: Path) -> None:
    """From now on the upload's page shows this plan, not a new plan of its files."""
    (folder / FROZEN).write_bytes((folder / "plan.json").read_bytes())


def status_of(
    workspace: Workspace, digest: str, number: int | None = None
) -> dict[str, Any] | None:
    """Where an upload's submission stands (`number`, else the plan's newest one):
    waiting, or the one decision it got, with the run an approval started."""
    submission = (
        people.submitted_by(workspace, digest)
        if number is None
        else people.submission_of(workspace, number)
    )
    if submission is None or submission.digest != digest:
        return None
    state: dict[str, Any] = {
        "state": submission.state.value,
        "maker": submission.maker,
        "at": submission.submitted_at,
        "submission": submission.id,
    }
    if submission.state is not people.SubmissionState.PENDING:
        state.update(
            checker=submission.decided_by,
            decided_at=submission.decided_at,
            comment=submission.comment,
        )
    if submission.state is people.SubmissionState.APPROVED:
        runs = [r for r in people.trail_of(workspace, digest) if r.event is people.Event.RUN]
        # Several accounts: each account's newest run, joined — one report of them all.
        newest = {r.digest: r.run_id for r in runs if r.run_id}
        if newest:
            state["run_id"] = "+".join(dict.fromkeys(newest.values()))
    return state


def upload_meta(folder: Path) -> dict[str, Any]:
    meta: dict[str, Any] = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    return meta


def _remember(folder: Path, **values: Any) -> None:
    meta = {**upload_meta(folder), **values}
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def _plan_of(folder: Path, name: str = "plan.json") -> tuple[SavedPlans, list[Path]]:
    """The upload's plan as `apply --plan` reads it (its digest checked, of one account or
    several), and its files."""
    paths = sorted(folder.glob("*/*"))
    return read_saved_plan_parts(folder / name, ", ".join(p.name for p in paths)), paths


@router.post("/u/{upload_id}/submit")
async def submit(
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
    user = acting_user(request)
    if user is None or user.role is not people.Role.MAKER:
        return refused(request, "maker_only")
    if upload_meta(folder).get("uploaded_by") != user.name:
        return refused(request, "own_uploads_only")
    saved, paths = await run_in_threadpool(_plan_of, folder)
    if not reviewed or saved.digest != fingerprint:
        return refused(request, "review_first", 409)
    names = [path.name for path in paths]
    detail = saved_submission_detail(saved, paths, names)
    detail["upload"] = upload_id
    submission = await run_in_threadpool(
        people.submit_signed_in, console.workspace, saved.digest, user.name, detail
    )
    freeze(folder)
    _remember(folder, submission=submission.id)
    return RedirectResponse(f"/u/{upload_id}", status_code=303)


@router.post("/u/{upload_id}/decide")
async def decide(
    request: Request,
    upload_id: str,
    csrf: str = Form(""),
    fingerprint: str = Form(""),
    decision: str = Form(""),
    comment: str = Form(""),
    submission: str = Form(""),
) -> Response:
    folder = posted_upload(request, csrf, upload_id, FROZEN)
    if isinstance(folder, Response):
        return folder
    console = console_of(request)
    user = acting_user(request)
    if user is None or user.role is not people.Role.CHECKER:
        return refused(request, "checker_only")
    saved, paths = await run_in_threadpool(_plan_of, folder, FROZEN)
    if saved.digest != fingerprint or decision not in ("approve", "decline"):
        return refused(request, "review_first", 409)
    shown_as = ", ".join(path.name for path in paths)
    approve = decision == "approve"
    number = int(submission) if submission.isdigit() else upload_meta(folder).get("submission")
    try:
        if approve:  # a plan that went stale while it waited is refused, listing why
            await run_in_threadpool(refuse_if_stale_now, console.workspace, saved)
        await run_in_threadpool(
            lambda: people.decide_signed_in(
                console.workspace,
                fingerprint,
                user.name,
                approve=approve,
                comment=comment[:2000],
                submission=number,
            )
        )
    except DecisionTaken as exc:  # another tab, an old form, another checker came first
        return _decision_stands(request, exc)
    except PlanError as exc:  # stale: the submission ends, declined with the reason
        reason = say(exc.text or exc.message, language_of(request))[:2000]
        await run_in_threadpool(
            lambda: people.decide_signed_in(
                console.workspace,
                fingerprint,
                user.name,
                approve=False,
                comment=reason,
                submission=number,
            )
        )
        return refused(request, exc.text or exc.message, 409)
    except QuotabulkError as exc:
        return refused(request, exc.text or exc.message, 409)
    if not approve:
        return RedirectResponse(f"/u/{upload_id}", status_code=303)
    job = console.jobs.start(
        upload_id, folder / FROZEN, shown_as, started_by=user.name, require_approval=True
    )
    return RedirectResponse(f"/jobs/{job.job_id}", status_code=303)


def _decision_stands(request: Request, taken: DecisionTaken) -> HTMLResponse:
    """409, and in words which decision stands, by whom and when."""
    words = words_of(request)
    key = "decision_stands_approved" if taken.state == "approved" else "decision_stands_declined"
    message = words[key].format(by=taken.by, at=moment(taken.at, language_of(request)))
    return page(request, "error.html", message=message, status=409)


@router.get("/approvals", response_class=HTMLResponse)
async def approvals(request: Request) -> HTMLResponse:
    console = console_of(request)
    waiting = await run_in_threadpool(people.pending_plans, console.workspace)
    shown = [
        {
            "digest": w.submission.digest,
            "maker": w.submission.maker,
            "at": w.submission.submitted_at,
            "upload": w.detail.get("upload"),
            "files": [item["file"] for item in w.detail.get("files", [])],
            "summary": w.detail.get("summary", {}),
            "account": w.detail.get("account", ""),
        }
        for w in waiting
    ]
    return page(request, "approvals.html", waiting=shown)

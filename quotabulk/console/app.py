"""The console's pages. Every page is server-rendered; a little JavaScript enables the
approve button, filters the plan and refreshes the progress."""

from __future__ import annotations

import json
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware

from quotabulk.app.planning import PlanView, plan_loaded, validate
from quotabulk.app.reports import ReportRequest, write_run_report
from quotabulk.app.runs import list_runs, show_run
from quotabulk.app.workspace import Workspace
from quotabulk.config import Settings
from quotabulk.console.auth import check_password, csrf_ok, csrf_token
from quotabulk.console.i18n import LABELS, LANGUAGES, describe
from quotabulk.console.jobs import Jobs
from quotabulk.domain.errors import QuotabulkError
from quotabulk.domain.plan import PlanOptions
from quotabulk.engine.execute import ExecuteOptions
from quotabulk.formats.plans.write import plan_json

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
ACCEPTED = (".xlsx", ".csv", ".yaml", ".yml")
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FILES = 10
# Inline scripts and styles are the console's own (server-rendered pages, no build step).
CSP = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'"
SAFE_ID = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


@dataclass(frozen=True)
class ConsoleConfig:
    settings: Settings
    options: ExecuteOptions
    password_hash: str | None = None  # required when not on loopback
    secure_cookies: bool = False
    session_secret: str | None = None


def create_console(config: ConsoleConfig) -> FastAPI:
    app = FastAPI(title="quotabulk console", docs_url=None, redoc_url=None, openapi_url=None)
    root = config.settings.home / "console"
    workspace = Workspace(config.settings)
    jobs = Jobs(workspace, config.options)

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        lang = request.session.get("lang", "ru")
        shared = {
            "t": LABELS[lang],
            "lang": lang,
            "csrf": csrf_token(request),
            "sandbox": config.settings.embedded,
            "auth": config.password_hash is not None,
        }
        return TEMPLATES.TemplateResponse(request, name, {**shared, **context}, status_code=status)

    def signed_in(request: Request) -> bool:
        return config.password_hash is None or bool(request.session.get("user"))

    @app.middleware("http")
    async def require_login(request: Request, call_next: Any) -> Response:
        if request.url.path not in ("/login", "/lang") and not signed_in(request):
            return RedirectResponse("/login", status_code=303)
        response: Response = await call_next(request)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = CSP
        return response

    @app.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request) -> HTMLResponse:
        return page(request, "login.html")

    @app.post("/login")
    async def login(request: Request, password: str = Form(""), csrf: str = Form("")) -> Response:
        if not csrf_ok(request, csrf):
            return Response("CSRF check failed", status_code=403)
        if config.password_hash and check_password(password, config.password_hash):
            request.session["user"] = "finance"
            return RedirectResponse("/", status_code=303)
        return page(request, "login.html", failed=True, status=401)

    @app.post("/logout")
    async def logout(request: Request, csrf: str = Form("")) -> Response:
        if not csrf_ok(request, csrf):
            return Response("CSRF check failed", status_code=403)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.get("/lang")
    async def language(request: Request, to: str = "ru") -> Response:
        request.session["lang"] = to if to in LANGUAGES else "ru"
        return RedirectResponse(request.headers.get("referer") or "/", status_code=303)

    @app.get("/", response_class=HTMLResponse)
    async def upload_form(request: Request) -> HTMLResponse:
        return page(request, "upload.html")

    @app.post("/upload")
    async def upload(
        request: Request,
        files: list[UploadFile],
        csrf: str = Form(""),
        skip_invalid: bool = Form(False),
    ) -> Response:
        if not csrf_ok(request, csrf):
            return Response("CSRF check failed", status_code=403)
        if not files or len(files) > MAX_FILES:
            return page(request, "upload.html", error=f"1–{MAX_FILES} files", status=400)
        upload_id = secrets.token_urlsafe(9)
        folder = root / upload_id
        folder.mkdir(parents=True)
        for index, item in enumerate(files):
            name = Path(item.filename or "").name
            if not name.lower().endswith(ACCEPTED):
                shutil.rmtree(folder)
                return page(request, "upload.html", error=f"{name}: .xlsx, .csv, .yaml", status=400)
            data = await item.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                shutil.rmtree(folder)
                return page(request, "upload.html", error=f"{name}: > 20 MB", status=413)
            (folder / f"{index}").mkdir()
            (folder / f"{index}" / name).write_bytes(data)
        (folder / "meta.json").write_text(json.dumps({"skip_invalid": skip_invalid}))
        return RedirectResponse(f"/u/{upload_id}", status_code=303)

    @app.get("/u/{upload_id}", response_class=HTMLResponse)
    async def review(request: Request, upload_id: str) -> HTMLResponse:
        folder = _folder(root, upload_id)
        if folder is None:
            return page(request, "error.html", message="not found", status=404)
        skip = json.loads((folder / "meta.json").read_text())["skip_invalid"]
        lang = request.session.get("lang", "ru")
        paths = sorted(folder.glob("*/*"))
        try:
            # Parsing and planning block: off the event loop, so other pages still answer.
            view = await run_in_threadpool(_plan_upload, workspace, paths)
        except QuotabulkError as exc:
            return page(request, "error.html", message=_shown(exc.message, folder), status=400)
        loaded, planned, account = view.loaded, view.plan, view.account
        invalid = [*loaded.invalid, *planned.problems]
        problems = [
            {"source": _shown(p.source, folder), "column": p.column or "", "message": p.message}
            for row in invalid
            for p in row.problems
        ]
        body = plan_json(planned, account, view.operator_url, loaded.invalid)
        (folder / "plan.json").write_text(json.dumps(body, ensure_ascii=False))
        changes = [
            {
                "sign": a.kind.value,
                "msisdn": a.msisdn,
                "source": _shown(a.source, folder),
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

    @app.post("/u/{upload_id}/approve")
    async def approve(
        request: Request,
        upload_id: str,
        csrf: str = Form(""),
        fingerprint: str = Form(""),
        reviewed: bool = Form(False),
    ) -> Response:
        if not csrf_ok(request, csrf):
            return Response("CSRF check failed", status_code=403)
        folder = _folder(root, upload_id)
        if folder is None or not (folder / "plan.json").exists():
            return page(request, "error.html", message="not found", status=404)
        saved = json.loads((folder / "plan.json").read_text())
        # The plan applied is the one on the page: its fingerprint must match, and the
        # runner refuses it if the operator's state moved since (apply --plan's check).
        if not reviewed or saved["digest"] != fingerprint:
            return page(
                request, "error.html", message="review the plan shown, then approve it", status=409
            )
        shown_as = ", ".join(path.name for path in sorted(folder.glob("*/*")))
        job = jobs.start(upload_id, folder / "plan.json", shown_as)
        return RedirectResponse(f"/jobs/{job.job_id}", status_code=303)

    @app.get("/jobs/{job_id}", response_class=HTMLResponse)
    async def job_page(request: Request, job_id: str) -> HTMLResponse:
        job = jobs.get(job_id)
        if job is None:
            return page(request, "error.html", message="not found", status=404)
        rows = []
        if job.result is not None:
            rows = [
                {
                    "outcome": r.outcome.value,
                    "msisdn": r.msisdn,
                    "source": _shown(r.source, root / job.upload_id),
                    "request_id": r.request_id or "",
                    "error": r.error or "",
                }
                for r in job.result.rows
                if not r.outcome.good
            ]
        return page(request, "job.html", job=job.state(), rows=rows)

    @app.get("/jobs/{job_id}/state")
    async def job_state(job_id: str) -> JSONResponse:
        job = jobs.get(job_id)
        if job is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        return JSONResponse(job.state())

    @app.get("/runs", response_class=HTMLResponse)
    async def runs(request: Request) -> HTMLResponse:
        found = [
            {
                "run_id": r.run_id,
                "started": r.started_at,
                "account": r.account,
                "status": r.status.value,
                "counts": {k: v for k, v in r.counts().items() if v},
            }
            for r in list_runs(workspace, 50)
        ]
        return page(request, "runs.html", runs=found)

    @app.get("/runs/{run_id}/report.{fmt}")
    async def report(run_id: str, fmt: str) -> Response:
        if fmt not in ("xlsx", "csv", "json") or not set(run_id) <= SAFE_ID:
            return Response("not found", status_code=404)
        try:
            result = show_run(workspace, run_id)
        except QuotabulkError:
            return Response("not found", status_code=404)
        target = root / "reports" / f"{run_id}.{fmt}"
        write_run_report(workspace, result, ReportRequest(target))
        return FileResponse(target, filename=f"quotabulk-{run_id}.{fmt}")

    # Added last, so it is the outermost layer: the login check above reads the session.
    app.add_middleware(
        SessionMiddleware,
        secret_key=config.session_secret or secrets.token_urlsafe(32),
        https_only=config.secure_cookies,
        same_site="strict",
        session_cookie="quotabulk_session",
    )
    return app


def _plan_upload(workspace: Workspace, paths: list[Path]) -> PlanView:
    loaded = validate(paths)
    return plan_loaded(workspace, loaded, PlanOptions(), skip_invalid=True)


def _folder(root: Path, upload_id: str) -> Path | None:
    if not upload_id or not set(upload_id) <= SAFE_ID:
        return None
    folder = root / upload_id
    return folder if (folder / "meta.json").exists() else None


def _shown(text: str, folder: Path) -> str:
    """Sources as the user knows them: the uploaded file's name, not our storage path."""
    for path in folder.glob("*/*"):
        text = text.replace(str(path), path.name)
    return text

"""The console: one FastAPI app whose pages (`console/pages/`) call the same use cases as
the CLI. Every page is server-rendered; a little JavaScript enables the approve button,
filters the plan and refreshes the progress."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from quotabulk.app.workspace import Workspace
from quotabulk.console.context import Console, ConsoleConfig, signed_in
from quotabulk.console.jobs import Jobs
from quotabulk.console.pages import four_eyes, login, progress, review, runs, upload
from quotabulk.console.pages.four_eyes import FROZEN
from quotabulk.console.planning import Planner, shutdown_planning

# No inline script or style anywhere: both come from /static, so an injected <script>
# would not run even if an escape were ever missed.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
STATIC = Path(__file__).parent / "static"
OPEN_PATHS = ("/login", "/lang")

__all__ = ["ConsoleConfig", "create_console"]


def create_console(config: ConsoleConfig) -> FastAPI:
    workspace = Workspace(config.settings)
    console = Console(config, workspace, Jobs(workspace, config.options), Planner(workspace))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # A restart in the middle of a run: the run goes on (same plan, same lock).
        await run_in_threadpool(console.jobs.resume_under_way, console.uploads, FROZEN)
        yield
        shutdown_planning()

    app = FastAPI(
        title="quotabulk console",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.console = console
    for pages in (login, upload, review, four_eyes, progress, runs):
        app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.middleware("http")
    async def require_login(request: Request, call_next: Any) -> Response:
        if request.method == "POST" and not _same_site(request, config.allowed_hosts):
            return Response("cross-origin request refused", status_code=403)
        console: Console = request.app.state.console
        path = request.url.path
        public = path in OPEN_PATHS or path.startswith("/static/")
        if not public and signed_in(request) is None and console.login_required():
            return RedirectResponse("/login", status_code=303)
        response: Response = await call_next(request)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        # Pages show plans, quotas and names: no browser or proxy keeps a copy.
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    # Added last, so it is the outermost layer: the login check above reads the session.
    app.add_middleware(
        SessionMiddleware,
        secret_key=config.session_secret or secrets.token_urlsafe(32),
        https_only=config.secure_cookies,
        same_site="strict",
        session_cookie="quotabulk_session",
    )
    # Outermost: a page on another site resolved to 127.0.0.1 (DNS rebinding) sends its
    # own Host, and gets nothing from the console.
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(config.allowed_hosts))
    return app


def _same_site(request: Request, allowed: tuple[str, ...]) -> bool:
    """A form posted from a page of ours: its Origin (when the browser sends one) is one of
    the console's own host names."""
    origin = request.headers.get("origin")
    if origin is None:
        return True  # the CSRF token still guards the form
    host = urlsplit(origin).netloc.rsplit("@", 1)[-1]
    name = host if host.startswith("[") else host.split(":", 1)[0]
    if host.startswith("["):
        name = host.split("]", 1)[0] + "]"
    return name in allowed

"""The console: one FastAPI app whose pages (`console/pages/`) call the same use cases as
the CLI. Every page is server-rendered; a little JavaScript enables the approve button,
filters the plan and refreshes the progress."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from quotabulk.app import people
from quotabulk.app.workspace import Workspace
from quotabulk.console import uploads
from quotabulk.console.context import Console, ConsoleConfig, refused, signed_in
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
    jobs = Jobs(workspace, config.options, four_eyes=config.four_eyes)
    console = Console(config, workspace, jobs, Planner(workspace))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # A restart in the middle of a run: the run goes on (same plan, same lock).
        await run_in_threadpool(console.jobs.resume_under_way, console.uploads, FROZEN)
        pruning = asyncio.create_task(_prune_now_and_then(console))
        yield
        pruning.cancel()
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

    @app.exception_handler(RequestValidationError)
    async def unreadable_form(request: Request, _exc: RequestValidationError) -> Response:
        """A form the page did not send as it should: words, never a raw error body."""
        return refused(request, "bad_form", 400)

    _build_routes_now(app)

    @app.middleware("http")
    async def require_login(request: Request, call_next: Any) -> Response:
        if request.method == "POST" and not _same_origin(request, config):
            return Response("cross-origin request refused", status_code=403)
        console: Console = request.app.state.console
        path = request.url.path
        public = path in OPEN_PATHS or path.startswith("/static/")
        if not public and not await _still_signed_in(request, console):
            # A session cookie the server no longer knows: it restarted, or the session
            # ended. The sign-in page says so rather than appearing without a word.
            lost = "quotabulk_session" in request.cookies
            return RedirectResponse("/login?ended=1" if lost else "/login", status_code=303)
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
    names = [_host_name(host) for host in config.allowed_hosts]
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=names)
    return app


def _build_routes_now(app: FastAPI) -> None:
    """FastAPI builds an included router's routes when the first request reaches it, with
    pydantic schema building that is not safe beside another thread building schemas (a
    console job making the embedded sandbox's app: seen as `AttributeError:
    __pydantic_core_schema__`). Matching a path that is no page builds them all now."""
    nowhere = {"type": "http", "path": "/\x00", "method": "GET", "root_path": "", "headers": []}
    for route in app.router.routes:
        route.matches(nowhere)


async def _prune_now_and_then(console: Console) -> None:
    """Old uploads go at start and every hour after, off the event loop."""
    while True:
        keep = console.config.keep_uploads_s
        await run_in_threadpool(uploads.prune, console.uploads, console.workspace, keep)
        await asyncio.sleep(uploads.PRUNE_EVERY_S)


async def _still_signed_in(request: Request, console: Console) -> bool:
    """A session opens pages while it is open on the server and, for a named user, while
    the journal still knows that user as they were at sign-in: enabled, with the same
    password (a change from the CLI in another process counts at once)."""
    who = signed_in(request)
    if who is None:
        return not await run_in_threadpool(console.login_required)
    if who.role is None:
        return True
    user = await run_in_threadpool(people.user_now, console.workspace, who.user)
    if user is None or user.disabled or user.revision != who.revision:
        console.sessions.revoke_user(who.user, None if user is None else user.revision)
        request.session.clear()
        return False
    return True


def _same_origin(request: Request, config: ConsoleConfig) -> bool:
    """A form posted from a page of ours: its Origin (when the browser sends one) is the
    console's own — scheme, host and port — as the browser addresses it. A page on
    another port of the same host is another origin (and could be anyone's)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True  # the CSRF token still guards the form
    return _origin_key(origin) == _served_origin(request, config)


def _served_origin(request: Request, config: ConsoleConfig) -> tuple[str, str, int] | None:
    """Where the browser reached the console: the Host it asked for (which the host check
    already held to --allowed-host), over TLS or not; behind a trusted proxy, the host
    and scheme the proxy says it served."""
    scheme = "https" if config.secure_cookies else "http"
    host = request.headers.get("host", "")
    peer = request.client.host if request.client else None
    if peer is not None and peer in config.trusted_proxies:
        scheme = request.headers.get("x-forwarded-proto", scheme).split(",")[0].strip()
        host = request.headers.get("x-forwarded-host", host).split(",")[0].strip()
    return _origin_key(f"{scheme}://{host}")


def _host_name(entry: str) -> str:
    """`--allowed-host quotas.example.com:443` → the name the host check compares (the
    port is held by the Origin check, against the Host the browser asked for)."""
    if entry.startswith("["):
        return entry.split("]", 1)[0] + "]"
    name, _, port = entry.rpartition(":")
    return name if name and port.isdigit() else entry


def _origin_key(origin: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the scheme's default port made explicit."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, parts.hostname.lower(), port or default

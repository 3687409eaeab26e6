"""Sign in, sign out, and the language switch."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from quotabulk.app import people
from quotabulk.console.auth import check_password, csrf_ok
from quotabulk.console.context import Console, console_of, page
from quotabulk.console.i18n import LANGUAGES
from quotabulk.domain.errors import AccessDenied

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request) -> HTMLResponse:
    console = console_of(request)
    named = await run_in_threadpool(console.named_users)
    return page(request, "login.html", named=named)


@router.post("/login")
async def login(
    request: Request, password: str = Form(""), csrf: str = Form(""), name: str = Form("")
) -> Response:
    if not csrf_ok(request, csrf):
        return Response("CSRF check failed", status_code=403)
    console = console_of(request)
    named = await run_in_threadpool(console.named_users)
    # PBKDF2 takes a fraction of a second on purpose: off the event loop.
    user = await run_in_threadpool(_signed_in, console, named, name.strip(), password)
    if user is None:
        return page(request, "login.html", failed=True, named=named, status=401)
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    request.session["user"] = user.name
    if named:
        request.session["role"] = user.role.value
    request.session["csrf"] = secrets.token_urlsafe(24)  # a new token for the new session
    return RedirectResponse("/", status_code=303)


def _signed_in(console: Console, named: bool, name: str, password: str) -> people.User | None:
    if named:
        try:
            return people.check_password_of(console.workspace, people.Credentials(name, password))
        except AccessDenied:
            return None
    expected = console.config.password_hash
    if expected and check_password(password, expected):
        return people.User("finance", people.Role.MAKER, expected, disabled=False)
    return None


@router.post("/logout")
async def logout(request: Request, csrf: str = Form("")) -> Response:
    if not csrf_ok(request, csrf):
        return Response("CSRF check failed", status_code=403)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/lang")
async def language(request: Request, to: str = "ru") -> Response:
    request.session["lang"] = to if to in LANGUAGES else "ru"
    return RedirectResponse(_local(request.headers.get("referer")), status_code=303)


def _local(referer: str | None) -> str:
    """Back to the page the switch was on, but only a page of ours: the path of the
    Referer, never another site."""
    if not referer:
        return "/"
    parts = urlsplit(referer)
    path = parts.path if parts.path.startswith("/") and not parts.path.startswith("//") else "/"
    return path + (f"?{parts.query}" if parts.query else "")

"""Sign in, sign out, and the language switch."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from quotabulk.app import people
from quotabulk.app.signin import SignInThrottle
from quotabulk.console.auth import check_password
from quotabulk.console.context import Console, console_of, forged, page
from quotabulk.console.i18n import LANGUAGES
from quotabulk.console.sessions import client_address
from quotabulk.domain.errors import AccessDenied

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request) -> HTMLResponse:
    console = console_of(request)
    named = await run_in_threadpool(console.named_users)
    ended = request.query_params.get("ended") == "1"
    return page(request, "login.html", named=named, ended=ended)


@router.post("/login")
async def login(
    request: Request, password: str = Form(""), csrf: str = Form(""), name: str = Form("")
) -> Response:
    refusal = forged(request, csrf)
    if refusal is not None:
        return refusal
    console = console_of(request)
    named = await run_in_threadpool(console.named_users)
    name = name.strip()
    address = client_address(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for"),
        console.config.trusted_proxies,
    )
    # Per address, and per name when people sign in by name. (With the one shared
    # password there is no name: one guesser must not lock the whole team out.)
    who = name if named and name else None
    throttle = SignInThrottle(console.workspace)
    wait = await run_in_threadpool(throttle.wait_s, who, address)
    if wait > 0:
        return page(request, "login.html", throttled=_wait_words(wait), named=named, status=429)
    # PBKDF2 takes a fraction of a second on purpose: off the event loop.
    user = await run_in_threadpool(_signed_in, console, named, name, password)
    if user is None:
        await run_in_threadpool(throttle.failed, who, address)
        return page(request, "login.html", failed=True, named=named, status=401)
    if who is not None:
        await run_in_threadpool(throttle.succeeded, who, address)
    lang = request.session.get("lang")
    console.sessions.revoke(request.session.get("sid"))
    request.session.clear()  # nothing of the anonymous session carries over
    if lang:
        request.session["lang"] = lang
    role = user.role.value if named else None
    revision = user.revision if named else None
    request.session["sid"] = console.sessions.create(user.name, role, revision)
    request.session["csrf"] = secrets.token_urlsafe(24)  # a new token for the new session
    return RedirectResponse("/", status_code=303)


def _wait_words(seconds: float) -> dict[str, int]:
    """How long to wait, for the page: whole minutes, or seconds under a minute."""
    if seconds >= 60:
        return {"minutes": max(1, round(seconds / 60))}
    return {"seconds": max(1, round(seconds))}


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
    refusal = forged(request, csrf)
    if refusal is not None:
        return refusal
    # The server forgets the session: a copy of the cookie saved before is worth nothing.
    console_of(request).sessions.revoke(request.session.get("sid"))
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

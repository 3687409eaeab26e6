"""Sign in, sign out, and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quotabulk.console.auth import check_password, csrf_ok
from quotabulk.console.context import console_of, page
from quotabulk.console.i18n import LANGUAGES

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request) -> HTMLResponse:
    return page(request, "login.html")


@router.post("/login")
async def login(request: Request, password: str = Form(""), csrf: str = Form("")) -> Response:
    if not csrf_ok(request, csrf):
        return Response("CSRF check failed", status_code=403)
    expected = console_of(request).config.password_hash
    if expected and check_password(password, expected):
        request.session["user"] = "finance"
        return RedirectResponse("/", status_code=303)
    return page(request, "login.html", failed=True, status=401)


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

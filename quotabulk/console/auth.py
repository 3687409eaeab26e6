"""Sessions and CSRF tokens for the console; passwords are hashed in `app/passwords`."""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request

from quotabulk.app.passwords import check_password, hash_password

__all__ = ["check_password", "csrf_ok", "csrf_token", "hash_password"]


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return str(token)


def csrf_ok(request: Request, sent: str | None) -> bool:
    expected = request.session.get("csrf")
    return bool(expected and sent and hmac.compare_digest(str(expected), sent))

"""Passwords (PBKDF2 from hashlib), sessions and CSRF tokens for the console."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request

ITERATIONS = 600_000
SCHEME = "pbkdf2_sha256"


def hash_password(password: str, salt: str | None = None, iterations: int = ITERATIONS) -> str:
    """`pbkdf2_sha256$iterations$salt$hex`: what QUOTABULK_CONSOLE_PASSWORD_HASH holds."""
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations).hex()
    return f"{SCHEME}${iterations}${salt}${digest}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, _ = stored.split("$")
    except ValueError:
        return False
    if scheme != SCHEME:
        return False
    return hmac.compare_digest(hash_password(password, salt, int(iterations)), stored)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return str(token)


def csrf_ok(request: Request, sent: str | None) -> bool:
    expected = request.session.get("csrf")
    return bool(expected and sent and hmac.compare_digest(str(expected), sent))

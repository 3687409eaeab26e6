"""Password hashes (PBKDF2-SHA256 from hashlib, 600 000 iterations as OWASP advises):
the console's single password and the users of the maker–checker mode."""

from __future__ import annotations

import hashlib
import hmac
import secrets

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

"""Who is signed in, kept on the server: the cookie carries only a random session id,
so signing out (or a restart) ends the session even for a copy of the cookie saved
before. Sessions live in memory, in the one console process: a restart signs everyone
out, which is the safe direction. (How often someone may guess a password is
`app/signin.py`'s, kept in the journal.)
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

IDLE_LIMIT_S = 8 * 3600  # a working day without a click ends the session


@dataclass
class SignedIn:
    user: str
    role: str | None  # None in the single-password mode
    # The user's revision at sign-in: a password change or a disable (also from the CLI,
    # in another process) raises it in the journal, and this session then ends.
    revision: int | None = None
    last_seen: float = field(default_factory=time.monotonic)


class Sessions:
    def __init__(self, idle_limit_s: float = IDLE_LIMIT_S) -> None:
        self.idle_limit_s = idle_limit_s
        self._by_id: dict[str, SignedIn] = {}
        self._guard = threading.Lock()

    def create(self, user: str, role: str | None, revision: int | None = None) -> str:
        session_id = secrets.token_urlsafe(32)
        with self._guard:
            self._by_id[session_id] = SignedIn(user, role, revision)
        return session_id

    def get(self, session_id: object) -> SignedIn | None:
        if not isinstance(session_id, str):
            return None
        now = time.monotonic()
        with self._guard:
            found = self._by_id.get(session_id)
            if found is None:
                return None
            if now - found.last_seen > self.idle_limit_s:
                del self._by_id[session_id]
                return None
            found.last_seen = now
            return found

    def revoke(self, session_id: object) -> None:
        with self._guard:
            if isinstance(session_id, str):
                self._by_id.pop(session_id, None)

    def revoke_user(self, user: str, current_revision: int | None = None) -> None:
        """Sign a user out everywhere (disabled: `current_revision` None), or end the
        sessions opened before their password changed."""
        with self._guard:
            for session_id in [
                k
                for k, v in self._by_id.items()
                if v.user == user and (current_revision is None or v.revision != current_revision)
            ]:
                del self._by_id[session_id]


def client_address(peer: str | None, forwarded_for: str | None, proxies: tuple[str, ...]) -> str:
    """The address a request came from. Behind a reverse proxy everyone comes from the
    proxy's address, so `X-Forwarded-For` is read — but only when the peer is one of the
    configured proxies (anyone else could write that header), and only its last entry
    that is not itself a proxy."""
    address = peer or "unknown"
    if address in proxies and forwarded_for:
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        for hop in reversed(hops):
            if hop not in proxies:
                return hop
    return address

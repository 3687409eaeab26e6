"""Who is signed in, kept on the server: the cookie carries only a random session id,
so signing out (or a restart) ends the session even for a copy of the cookie saved
before. And how often someone may guess a password.

Both live in memory, in the one console process: a restart signs everyone out, which
is the safe direction.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

IDLE_LIMIT_S = 8 * 3600  # a working day without a click ends the session
THROTTLE_FAILURES = 5
THROTTLE_WINDOW_S = 15 * 60


@dataclass
class SignedIn:
    user: str
    role: str | None  # None in the single-password mode
    last_seen: float = field(default_factory=time.monotonic)


class Sessions:
    def __init__(self, idle_limit_s: float = IDLE_LIMIT_S) -> None:
        self.idle_limit_s = idle_limit_s
        self._by_id: dict[str, SignedIn] = {}
        self._guard = threading.Lock()

    def create(self, user: str, role: str | None) -> str:
        session_id = secrets.token_urlsafe(32)
        with self._guard:
            self._by_id[session_id] = SignedIn(user, role)
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

    def revoke_user(self, user: str) -> None:
        """Sign a user out everywhere (disabled, or the password changed)."""
        with self._guard:
            for session_id in [k for k, v in self._by_id.items() if v.user == user]:
                del self._by_id[session_id]


class LoginThrottle:
    """At most `THROTTLE_FAILURES` wrong passwords per user name and per address in
    `THROTTLE_WINDOW_S`; then that name or address waits for the window to pass."""

    def __init__(
        self, failures: int = THROTTLE_FAILURES, window_s: float = THROTTLE_WINDOW_S
    ) -> None:
        self.failures = failures
        self.window_s = window_s
        self._seen: dict[str, deque[float]] = defaultdict(deque)
        self._guard = threading.Lock()

    def wait_s(self, *keys: str) -> float:
        """Seconds until another attempt for these keys is allowed (0: allowed now)."""
        now = time.monotonic()
        longest = 0.0
        with self._guard:
            for key in keys:
                times = self._seen.get(key)
                if not times:
                    continue
                while times and now - times[0] > self.window_s:
                    times.popleft()
                if len(times) >= self.failures:
                    longest = max(longest, self.window_s - (now - times[0]))
        return longest

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._guard:
            for key in keys:
                self._seen[key].append(now)

    def succeeded(self, *name_keys: str) -> None:
        """A right password clears the name's count (not the address's: a guesser
        who knows one password does not get to guess the others for free)."""
        with self._guard:
            for key in name_keys:
                self._seen.pop(key, None)


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

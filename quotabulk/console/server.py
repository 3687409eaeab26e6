"""The console's HTTP server: uvicorn, with the limits it lacks for a service that anyone
on the network can reach.

uvicorn keeps a connection open for as long as a request is half sent (a request line
and no more held one for 75 s and longer), and has no cap on connections but
`limit_concurrency`, which answers 503 to everyone alike. So its HTTP/1.1 protocol is
subclassed here (uvicorn's documented `http=` hook):
- a request's headers must arrive within `HEADERS_S` of its first byte (or of the
  connection), and its body within `BODY_S`; a slower one is closed;
- one address holds at most `PER_ADDRESS` connections (a browser opens six);
- all addresses together hold at most what the process's file descriptors allow less a
  reserve; a connection beyond that evicts the oldest idle connection of the address
  that holds the most, so a crowd of idle connections from a few addresses cannot keep
  out a signed-in user, and the server never runs out of descriptors.
Forwarded headers are never believed by uvicorn (`proxy_headers=False`): the console
reads `X-Forwarded-For` itself, and only from `--trusted-proxy`.
"""

from __future__ import annotations

import asyncio
import resource
from pathlib import Path
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADERS_S = 10.0
BODY_S = 120.0  # ten files of 20 MB over a slow office line
PER_ADDRESS = 32
# asyncio accepts up to `BACKLOG` connections in one go before their protocols see them:
# descriptors for a few such bursts, the journal and the planning processes' pipes.
BACKLOG = 32
RESERVED_FDS = 256


def connection_cap() -> int:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 10_000
    return max(32, soft - RESERVED_FDS)


class BoundedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with time limits per request and caps on connections."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._in_body = False
        self._address = "?"

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._address = self.client[0] if self.client else "?"
        peers = _peers(self.server_state)
        peers.setdefault(self._address, []).append(self)
        self._arm(HEADERS_S)
        if len(peers[self._address]) > PER_ADDRESS:
            _evict(peers[self._address])
        if len(self.connections) > _cap(self.server_state):
            crowded = max(peers.values(), key=len)
            _evict(crowded)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        peers = _peers(self.server_state)
        mine = peers.get(self._address, [])
        if self in mine:
            mine.remove(self)
        if not mine:
            peers.pop(self._address, None)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._deadline is None and self.conn.their_state is h11.IDLE:
            self._arm(HEADERS_S)  # the next request of a kept-alive connection begins
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow()

    @property
    def idle(self) -> bool:
        """No request of this connection is being answered: closing it loses nothing."""
        return self.conn.their_state is not h11.DONE or self.conn.our_state is h11.DONE

    def _follow(self) -> None:
        state = self.conn.their_state
        if state is h11.SEND_BODY and not self._in_body:
            self._in_body = True
            self._arm(BODY_S)
        elif state in (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR):
            self._disarm()
            self._in_body = False

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def _peers(state: Any) -> dict[str, list[BoundedH11Protocol]]:
    """Connections by client address, kept on uvicorn's per-server state."""
    found: dict[str, list[BoundedH11Protocol]] | None = getattr(state, "quotabulk_peers", None)
    if found is None:
        found = {}
        state.quotabulk_peers = found
    return found


def _cap(state: Any) -> int:
    cap: int | None = getattr(state, "quotabulk_cap", None)
    if cap is None:
        cap = connection_cap()
        state.quotabulk_cap = cap
    return cap


def _evict(connections: list[BoundedH11Protocol]) -> None:
    """Close the oldest idle connection of these (the newest when all are busy)."""
    victim = next((c for c in connections if c.idle), connections[-1])
    if not victim.transport.is_closing():
        victim.transport.close()


def serve_console(
    app: Any,
    host: str,
    port: int,
    ssl_certfile: Path | None = None,
    ssl_keyfile: Path | None = None,
) -> None:
    """Serve until Ctrl-C or SIGTERM."""
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        http=BoundedH11Protocol,
        proxy_headers=False,
        timeout_keep_alive=5,
        backlog=BACKLOG,
        ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
        ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None,
    )

"""A real sandbox operator on loopback HTTP, run by uvicorn in a thread, for tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from quotabulk.sandbox.faults import Faults
from quotabulk.sandbox.server import build_app
from quotabulk.sandbox.store import Behaviour

TOKEN = "test-token-5f2c9a"


@dataclass(frozen=True)
class LiveSandbox:
    url: str
    token: str
    db: Path


@contextmanager
def served_in_thread(app: ASGIApp, config: dict[str, Any] | None = None) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port, in a thread; yields its
    address (`127.0.0.1:PORT`) once it answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="critical", access_log=False, **(config or {}))
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.01)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def live_sandbox(
    db: Path,
    behaviour: Behaviour | None = None,
    faults: Faults | None = None,
    tls: tuple[Path, Path] | None = None,
    accounts: frozenset[str] | None = None,
) -> Iterator[LiveSandbox]:
    """`tls` is (certificate chain, key): the sandbox then speaks https. `accounts`: the
    only accounts its token may use (None: all)."""
    behaviour = behaviour or Behaviour(processing_ms=100)
    app = build_app(db, TOKEN, behaviour, faults or Faults(), accounts=accounts)
    config = {} if tls is None else {"ssl_certfile": str(tls[0]), "ssl_keyfile": str(tls[1])}
    with served_in_thread(app, config) as address:
        scheme = "https" if tls else "http"
        yield LiveSandbox(f"{scheme}://{address}", TOKEN, db)

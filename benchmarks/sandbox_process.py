"""A `quotabulk sandbox serve` process on a free loopback port, for benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from benchmarks.measure import QUOTABULK, ROOT
from quotabulk.sandbox.mts.store import MtsStore

TOKEN = "bench-token"


def mts_calls(db: Path) -> int:
    """Calls an MTS-shaped sandbox on `db` has answered so far, every account and kind."""
    store = MtsStore(db)
    try:
        return sum(store.calls().values())
    finally:
        store.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(db: Path, options: Sequence[str] = (), token: str = TOKEN) -> Iterator[str]:
    """`quotabulk sandbox serve` as a user starts it, in its own process; yields its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [*QUOTABULK, "sandbox", "serve", "--port", str(port), "--db", str(db), *options]
    env = {**os.environ, "QUOTABULK_TOKEN": token}
    with (db.parent / f"serve-{port}.log").open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=ROOT)
        try:
            _wait(url)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait(url: str) -> None:
    for _ in range(400):
        try:
            httpx.get(url + "/v1/accounts", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"sandbox at {url} did not start")

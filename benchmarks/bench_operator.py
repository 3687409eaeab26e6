"""The client and the sandbox: listing 100k subscribers, and status reads per second."""

from __future__ import annotations

import asyncio
import http.client
import tempfile
import threading
import time
from pathlib import Path

import httpx
from pydantic import SecretStr

from benchmarks.report import Result
from benchmarks.sandbox_process import TOKEN, served
from quotabulk.config import Settings
from quotabulk.operator.connect import connect
from quotabulk.operator.http.wire import MAX_SUBSCRIBER_PAGE, Operation
from quotabulk.sandbox.seed import random_subscribers
from quotabulk.sandbox.store import SandboxStore

ACCOUNT = "ACC-BENCH"


def _seed(db: Path, count: int) -> None:
    store = SandboxStore(db)
    store.reset_account(ACCOUNT, random_subscribers(count, 0.7, 0.0, seed=1))
    store.close()


async def _list_with_client(url: str) -> tuple[float, int]:
    settings = Settings(url, SecretStr(TOKEN), ACCOUNT, Path("."))
    async with connect(settings.operator_config(ACCOUNT)) as client:
        started = time.perf_counter()
        found = await client.subscribers()
        return time.perf_counter() - started, len(found)


async def _list_raw(url: str) -> float:
    """The floor: the same pages (as large as the client asks for) fetched and
    JSON-decoded, no validation, no domain objects."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
        started = time.perf_counter()
        cursor = None
        while True:
            params = {"page_size": MAX_SUBSCRIBER_PAGE, **({"cursor": cursor} if cursor else {})}
            page = (await http.get(f"/v1/accounts/{ACCOUNT}/subscribers", params=params)).json()
            cursor = page["next_cursor"]
            if not cursor:
                return time.perf_counter() - started


def run_listing(count: int = 100_000) -> Result:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "sandbox.db"
        _seed(db, count)
        with served(db) as url:
            raw = asyncio.run(_list_raw(url))
            seconds, found = asyncio.run(_list_with_client(url))
    assert found == count
    return Result(
        name=f"list {count:,} subscribers over loopback",
        subject_s=seconds,
        baseline_s=raw,
        baseline="raw httpx pages + json decoding, no models",
        goal_max_s=5.0,
    )


async def _submit_some(url: str, count: int) -> list[str]:
    settings = Settings(url, SecretStr(TOKEN), ACCOUNT, Path("."))
    async with connect(settings.operator_config(ACCOUNT)) as client:
        ids = []
        for i in range(count):
            request = await client.submit(
                f"790000000{i:02d}", Operation.DELETE, None, f"bench-key-{i:04d}"
            )
            ids.append(request.request_id)
        return ids


def _status_reads(url: str, ids: list[str], seconds: float, threads: int) -> float:
    """Keep-alive GETs from `threads` threads (http.client: the load generator must not be
    the bottleneck, and httpx costs more CPU per call than the server does)."""
    host, port = url.removeprefix("http://").split(":")
    headers = {"Authorization": f"Bearer {TOKEN}"}
    deadline = time.perf_counter() + seconds
    counts = [0] * threads

    def worker(k: int) -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        while time.perf_counter() < deadline:
            connection.request(
                "GET", f"/v1/accounts/{ACCOUNT}/requests/{ids[k % len(ids)]}", headers=headers
            )
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 200
            counts[k] += 1
        connection.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)


def run_status_reads() -> Result:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "sandbox.db"
        _seed(db, 1000)
        with served(db) as url:
            ids = asyncio.run(_submit_some(url, 20))
            rate = _status_reads(url, ids, 5.0, 8)
    return Result(
        name="sandbox status reads (one server process)",
        value=rate,
        value_label="requests/s",
        goal_value=1000,
        notes=[f"{rate:.0f} single-request status reads per second; goal ≥ 1000"],
    )

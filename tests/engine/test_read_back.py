"""After the last request is final, a run reads back only the subscribers it changed."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from quotabulk.domain.models import Quota, Subscriber
from quotabulk.sandbox.faults import Faults
from quotabulk.sandbox.server import build_app
from quotabulk.sandbox.store import Behaviour, SandboxStore
from tests.conftest import CliResult
from tests.live import TOKEN, served_in_thread

ACC = "ACC-READ"


class Recorder:
    """Every call the operator got: method, path, and the JSON body of a POST."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.calls: list[tuple[str, str, Any]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        self.calls.append((scope["method"], scope["path"], json.loads(body) if body else None))
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


@pytest.fixture
def operator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    db = tmp_path / "sandbox.db"
    store = SandboxStore(db)
    store.reset_account(
        ACC, [Subscriber(str(79160000000 + i), Quota(Decimal(100))) for i in range(3000)]
    )
    store.close()
    recorder = Recorder(build_app(db, TOKEN, Behaviour(processing_ms=50), Faults()))
    with served_in_thread(recorder) as address:
        monkeypatch.setenv("QUOTABULK_API_URL", f"http://{address}")
        monkeypatch.setenv("QUOTABULK_TOKEN", TOKEN)
        monkeypatch.setenv("QUOTABULK_ACCOUNT", ACC)
        yield recorder


def test_verification_asks_for_the_changed_numbers_not_the_whole_account(
    operator: Recorder, cli: Callable[..., CliResult], text_file: Callable[..., Path]
) -> None:
    sheet = text_file("q.csv", "Номер;Лимит\n79160000007;250\n79160002999;300\n79160000010;100\n")
    result = cli("apply", "--yes", sheet, "--format", "json")
    assert result.code == 0, result.err
    counts = json.loads(result.out)["counts"]
    assert (counts["applied"], counts["unchanged"]) == (2, 1)
    listings = [c for c in operator.calls if c[1].endswith("/subscribers")]
    queries = [c for c in operator.calls if c[1].endswith("/subscribers:query")]
    assert len(listings) == 1  # the plan's read of the whole account, nothing after
    assert [sorted(q[2]["msisdns"]) for q in queries] == [["79160000007", "79160002999"]]

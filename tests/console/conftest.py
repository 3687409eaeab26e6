"""The console every route test talks to, in-process over httpx."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.asgi import AsgiClient
from tests.conftest import CliResult
from tests.console.test_console import make_console


@pytest.fixture
def console(
    quotabulk_home: Path, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> Iterator[AsgiClient]:
    app = make_console(quotabulk_home, cli, monkeypatch, 100)
    with AsgiClient(app, "http://127.0.0.1") as client:
        yield client

"""The console every route test talks to, in-process over httpx."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from quotabulk.app import people
from quotabulk.app.workspace import Workspace
from quotabulk.config import EMBEDDED_TOKEN, Settings
from quotabulk.console.app import ConsoleConfig, create_console
from quotabulk.domain.running import ExecuteOptions
from tests.asgi import AsgiClient
from tests.conftest import EXAMPLES, CliResult
from tests.console.test_console import make_console
from tests.live import served_in_thread

MAKER = people.Credentials("anna", "anna-password")
CHECKER = people.Credentials("boris", "boris-password")


@pytest.fixture
def console(
    quotabulk_home: Path, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> Iterator[AsgiClient]:
    app = make_console(quotabulk_home, cli, monkeypatch, 100)
    with AsgiClient(app, "http://127.0.0.1") as client:
        yield client


@pytest.fixture
def four_eyes_url(
    quotabulk_home: Path, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A four-eyes console on the seeded sandbox, served on loopback, in Russian (its
    settings name no language), with a maker and a checker."""
    monkeypatch.setenv("QUOTABULK_SANDBOX_PROCESSING_MS", "50")
    assert cli("sandbox", "seed", "--from", EXAMPLES / "current.yaml").code == 0
    settings = Settings(None, SecretStr(EMBEDDED_TOKEN), None, quotabulk_home)
    space = Workspace(settings)
    admin = people.Credentials("root", "root-password")
    people.add_user(space, admin.name, people.Role.ADMIN, admin.password, None)
    people.add_user(space, MAKER.name, people.Role.MAKER, MAKER.password, admin)
    people.add_user(space, CHECKER.name, people.Role.CHECKER, CHECKER.password, admin)
    config = ConsoleConfig(settings, ExecuteOptions(rate_limit=50), four_eyes=True)
    with served_in_thread(create_console(config)) as address:
        yield f"http://{address}"

"""A real `quotabulk serve` in its own process, and browser-like clients for it: what the
console's process-level tests share."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from quotabulk.app import people
from quotabulk.app.workspace import Workspace
from quotabulk.config import load_settings

ADMIN = people.Credentials("root", "root-password")
MAKER = people.Credentials("anna", "anna-password")
CHECKERS = (people.Credentials("boris", "boris-password"), people.Credentials("vera", "vera-pass1"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def add_team(home: Path) -> None:
    """An admin, a maker and two checkers in the home's journal."""
    space = Workspace(load_settings())
    assert space.settings.home == home
    people.add_user(space, ADMIN.name, people.Role.ADMIN, ADMIN.password, None)
    people.add_user(space, MAKER.name, people.Role.MAKER, MAKER.password, ADMIN)
    for checker in CHECKERS:
        people.add_user(space, checker.name, people.Role.CHECKER, checker.password, ADMIN)


@contextmanager
def serving(
    home: Path, *args: str, preexec: Any = None, processing_ms: int = 200
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`quotabulk serve ARGS` on a free port; yields its base URL and the process."""
    port = free_port()
    env = {
        **os.environ,
        "QUOTABULK_HOME": str(home),
        "QUOTABULK_SANDBOX_PROCESSING_MS": str(processing_ms),
    }
    env.pop("QUOTABULK_LANG", None)  # a server on a C.UTF-8 machine: its pages in Russian
    log = (home.parent / f"serve-{port}.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "quotabulk", "serve", "--port", str(port), *args],
        env=env,
        stdout=log,
        stderr=log,
        preexec_fn=preexec,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/login", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, (home.parent / f"serve-{port}.log").read_text()
                assert time.monotonic() < deadline, "the console did not start"
                time.sleep(0.1)
        yield base, server
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=30)
        log.close()


def form_value(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no {name} in the page"
    return found[1]


def csrf(client: httpx.Client, path: str = "/login") -> str:
    return form_value(client.get(path).text, "csrf")


# Every client a test opened, closed when it ends (`close_browsers`).
OPENED: list[httpx.Client] = []


def browser(base: str, **client: Any) -> httpx.Client:
    opened = httpx.Client(base_url=base, timeout=30, **client)
    OPENED.append(opened)
    return opened


@pytest.fixture(autouse=True)
def close_browsers() -> Iterator[None]:
    yield
    while OPENED:
        OPENED.pop().close()


def signed_in(base: str, who: people.Credentials, **client: Any) -> httpx.Client:
    browser_ = browser(base, **client)
    answer = browser_.post(
        "/login", data={"csrf": csrf(browser_), "name": who.name, "password": who.password}
    )
    assert answer.status_code == 303, answer.text
    return browser_


def wait_planned(client: httpx.Client, review: str) -> str:
    deadline = time.monotonic() + 60
    while client.get(f"{review}/state").json()["done"] is not True:
        assert time.monotonic() < deadline, "the upload was never planned"
        time.sleep(0.1)
    return client.get(review).text


def submitted_upload(maker: httpx.Client, sheet: Path) -> str:
    """The maker uploads `sheet`, reviews the plan and submits it; the review's path."""
    files = [("files", (sheet.name, sheet.read_bytes()))]
    uploaded = maker.post("/upload", files=files, data={"csrf": csrf(maker, "/")})
    assert uploaded.status_code == 303, uploaded.text
    review = str(uploaded.headers["location"])
    page = wait_planned(maker, review)
    submit = maker.post(
        f"{review}/submit",
        data={
            "csrf": form_value(page, "csrf"),
            "fingerprint": form_value(page, "fingerprint"),
            "reviewed": "true",
        },
    )
    assert submit.status_code == 303, submit.text
    return review

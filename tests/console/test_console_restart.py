"""A console server killed in the middle of a run, then started again, as an operations
team would live it: `quotabulk serve` in its own process, SIGTERM, start it again. The
run is shown and finished, and every change is one request."""

from __future__ import annotations

import os
import re
import signal
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

from tests.conftest import EXAMPLES
from tests.engine.test_apply import history

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(home: Path, port: int) -> Iterator[subprocess.Popen[str]]:
    env = {**os.environ, "QUOTABULK_HOME": str(home), "QUOTABULK_SANDBOX_PROCESSING_MS": "1500"}
    log = (home.parent / f"serve-{port}-{time.monotonic_ns()}.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "quotabulk", "serve", "--port", str(port), "--rate-limit", "2"],
        env=env,
        stdout=log,
        stderr=log,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield server
    finally:
        if server.poll() is None:
            server.kill()
        server.wait(timeout=30)
        log.close()


def wait_json(client: httpx.Client, url: str, until: Any, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state: dict[str, Any] = client.get(url).json()
        if until(state):
            return state
        time.sleep(0.1)
    raise AssertionError(f"{url} never reached the state wanted")


def csrf(client: httpx.Client, path: str = "/") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found
    return found[1]


def test_a_restart_mid_run_shows_the_run_and_finishes_it(quotabulk_home: Path, cli: Any) -> None:
    assert cli("sandbox", "seed", "--from", EXAMPLES / "current.yaml").code == 0
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with serving(quotabulk_home, port) as server, httpx.Client(base_url=base) as client:
        files = [
            ("files", (p.name, p.read_bytes()))
            for p in (EXAMPLES / "quotas.yaml", EXAMPLES / "finance_workbook.xlsx")
        ]
        uploaded = client.post("/upload", files=files, data={"csrf": csrf(client)})
        review_path = uploaded.headers["location"]
        wait_json(client, f"{review_path}/state", lambda s: s["done"])
        review = client.get(review_path).text
        fingerprint = re.search(r'name="fingerprint" value="([^"]+)"', review)
        assert fingerprint
        approved = client.post(
            f"{review_path}/approve",
            data={"csrf": csrf(client), "fingerprint": fingerprint[1], "reviewed": "true"},
        )
        job_path = approved.headers["location"]
        mid = wait_json(client, f"{job_path}/state", lambda s: s["sent"] >= 2)
        assert not mid["done"]
        server.send_signal(signal.SIGTERM)  # systemd stopping the service mid-run
        server.wait(timeout=30)
    sent_before = len(history(quotabulk_home))
    assert 0 < sent_before < 7
    with serving(quotabulk_home, port), httpx.Client(base_url=base) as client:
        page = client.get(job_path)
        assert page.status_code == 200  # the job's page survives the restart
        done = wait_json(client, f"{job_path}/state", lambda s: s["done"], timeout=90)
        assert done["error"] is None
        assert done["outcomes"]["applied"] == 7
        runs = client.get("/runs").text
        assert done["run_id"] in runs
    assert len(history(quotabulk_home)) == 7  # one request per change, across the restart


@pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(), reason="`make test` installs Debian's chromium"
)
def test_an_open_progress_page_says_it_lost_the_server_and_found_it_again(
    quotabulk_home: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A restart seen from the browser: the progress page never freezes without a word."""
    from playwright.sync_api import sync_playwright

    from tests.console.test_console_browser import CHROMIUM, CHROMIUM_ARGS

    monkeypatch.delenv("QUOTABULK_LANG")  # the page in Russian, the server's default
    assert cli("sandbox", "seed", "--from", EXAMPLES / "current.yaml").code == 0
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        with serving(quotabulk_home, port) as server:
            page.goto(base)
            page.set_input_files("#files", [str(EXAMPLES / "quotas.yaml")])
            page.click("#check")
            page.wait_for_selector("#summary")
            page.check("#reviewed")
            page.click("#approve")
            page.wait_for_selector("#state[data-done=no]")
            page.wait_for_selector("#sent:not(:text('0'))", timeout=60_000)  # journaled
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
            lost = page.wait_for_selector("#connection:not([hidden])", timeout=30_000)
            assert lost.inner_text() == "Нет связи с сервером; пробуем снова…"
        with serving(quotabulk_home, port):
            said_back = page.wait_for_selector(
                "#connection:has-text('Связь с сервером восстановлена.'), #outcomes",
                timeout=60_000,
            )
            assert said_back is not None
            # Found again (or already reloaded to the finished run): never silent.
            page.wait_for_selector("#outcomes", timeout=90_000)
        browser.close()
    assert len(history(quotabulk_home)) == 4  # one request per change of quotas.yaml

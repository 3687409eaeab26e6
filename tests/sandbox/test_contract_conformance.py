"""The committed contract (`schemas/operator-api.json`) against `sandbox serve` as a user
starts it: schemathesis generates calls from the contract, every check on (status codes,
headers, schemas, negative data refused, valid data accepted), the stateful phase walks
the contract's links. Bounded to under a minute."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "conformance-token"


def _serve(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "QUOTABULK_HOME": str(home), "QUOTABULK_TOKEN": TOKEN}
    quotabulk = [sys.executable, "-m", "quotabulk"]
    seed = [*quotabulk, "sandbox", "seed", "--subscribers", "50", "--seed", "1"]
    subprocess.run(seed, env=env, check=True, capture_output=True)
    command = [*quotabulk, "sandbox", "serve", "--port", str(port), "--processing-ms", "100"]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url + "/v1/accounts", timeout=1)
            return process, url
        except httpx.TransportError:
            assert time.monotonic() < deadline, "sandbox serve did not start"
            time.sleep(0.05)


def test_the_sandbox_conforms_to_the_committed_contract(tmp_path: Path) -> None:
    process, url = _serve(tmp_path / "home")
    config = tmp_path / "schemathesis.toml"
    config.write_text('[parameters]\n"path.account" = "ACC-100200"\n', encoding="utf-8")
    schemathesis = Path(sys.executable).parent / "schemathesis"
    command = [
        str(schemathesis),
        "--config-file",
        str(config),
        "run",
        str(ROOT / "schemas" / "operator-api.json"),
        "--url",
        url,
        "-H",
        f"Authorization: Bearer {TOKEN}",
        "--checks",
        "all",
        "--max-time",
        "45",
        "--generation-database",
        "none",
        "--no-color",
        *(["--seed", "1"] if os.environ.get("CI") else []),
    ]
    try:
        done = subprocess.run(
            command, cwd=tmp_path, capture_output=True, text=True, timeout=240, check=False
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "Stateful" in done.stdout

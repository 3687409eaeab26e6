"""What a command imports is what it costs to start: a nightly `apply` of a few changes
spends most of its time importing. These run the command as users do, in its own
process against a served sandbox, and look at what it loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.conftest import EXAMPLES, CliResult
from tests.live import live_sandbox

# Loaded by libraries quotabulk uses, for features it does not use on this path.
NOT_ON_THE_APPLY_PATH = (
    "rich",  # structlog's pretty tracebacks; httpx's own command-line client
    "pygments",
    "httpx._main",
    "fastapi",  # the console and the sandbox
    "uvicorn",
    "xlsxwriter",  # reports: none was asked for
    "openpyxl",
)

WATCH = """
import atexit, json, runpy, sys
def loaded():
    names = [m for m in {names!r} if sys.modules.get(m) is not None]
    open({out!r}, "w").write(json.dumps(names))
atexit.register(loaded)
sys.argv = ["quotabulk", *sys.argv[1:]]
runpy.run_module("quotabulk", run_name="__main__")
"""


def test_apply_loads_nothing_it_does_not_use(
    cli: Callable[..., CliResult], quotabulk_home: Path, tmp_path: Path
) -> None:
    assert cli("sandbox", "seed", "--from", EXAMPLES / "current.yaml").code == 0
    out = tmp_path / "loaded.json"
    code = WATCH.format(names=NOT_ON_THE_APPLY_PATH, out=str(out))
    with live_sandbox(quotabulk_home / "sandbox.db") as sandbox:
        env = {
            **os.environ,
            "QUOTABULK_API_URL": sandbox.url,
            "QUOTABULK_TOKEN": sandbox.token,
            "QUOTABULK_ACCOUNT": "ACC-100200",
        }
        command = [sys.executable, "-c", code, "apply", "--yes", str(EXAMPLES / "quotas.yaml")]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "Plan:" in done.stderr  # it did plan and apply
    assert json.loads(out.read_text()) == []


def test_the_progress_bar_can_still_use_rich_after_logging_started() -> None:
    code = (
        "import quotabulk.logs, sys; assert 'rich' not in sys.modules; "
        "import rich.progress, structlog.dev; print(structlog.dev.rich is None)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"


def test_validate_loads_neither_the_network_nor_the_journal(tmp_path: Path) -> None:
    """`validate` reads files: no HTTP client, no journal, no models of the wire."""
    out = tmp_path / "loaded.json"
    names = ("httpx", "sqlite3", "quotabulk.store.journal", "pydantic", "asyncio", "structlog")
    code = WATCH.format(names=names, out=str(out))
    command = [sys.executable, "-c", code, "validate", str(EXAMPLES / "quotas.csv")]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text()) == []

"""The console as a long-running service: a planning process that dies takes down only
its own upload, its processes never outlive the server, old uploads go, and the home it
writes is its owner's only."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from quotabulk.app.workspace import Workspace
from quotabulk.config import load_settings
from quotabulk.console import uploads
from tests.conftest import EXAMPLES, CliResult
from tests.console.served import (
    MAKER,
    add_team,
    browser,
    close_browsers,  # noqa: F401 - a fixture: closes every client a test opened
    csrf,
    serving,
    signed_in,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def seeded(quotabulk_home: Path, cli: Callable[..., CliResult]) -> Path:
    assert cli("sandbox", "seed", "--from", EXAMPLES / "current.yaml").code == 0
    return quotabulk_home


def far_cell_workbook(path: Path) -> Path:
    """A small workbook with one real cell at XFD1048576: the reader asks for 549 GB."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Номер", "Лимит"])
    sheet.append(["79161000001", 1000])
    sheet["XFD1048576"] = 1
    book.save(path)
    return path


def upload_and_wait(client: object, path: Path) -> tuple[str, dict[str, object]]:
    import httpx

    assert isinstance(client, httpx.Client)
    files = [("files", (path.name, path.read_bytes()))]
    uploaded = client.post("/upload", files=files, data={"csrf": csrf(client, "/")})
    assert uploaded.status_code == 303, uploaded.text
    review = str(uploaded.headers["location"])
    deadline = time.monotonic() + 120
    while not (state := client.get(f"{review}/state").json())["done"]:
        assert time.monotonic() < deadline, "never planned"
        time.sleep(0.1)
    return review, state


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def test_a_dead_planning_process_fails_only_its_own_upload(seeded: Path, tmp_path: Path) -> None:
    with serving(seeded) as (base, server):
        client = browser(base)
        upload_and_wait(client, EXAMPLES / "quotas.csv")  # the pool is up
        workers = children_of(server.pid)
        assert workers
        for pid in workers:  # the out-of-memory killer, say
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        after, _ = upload_and_wait(client, EXAMPLES / "quotas.yaml")
        assert 'id="summary"' in client.get(after).text  # the next upload plans
        # A file that would make the reader abort fails alone, with a sentence (the
        # pre-scan refuses it before the reader runs) …
        bad, _ = upload_and_wait(client, far_cell_workbook(tmp_path / "far.xlsx"))
        page = client.get(bad)
        assert page.status_code == 400
        assert "Internal Server Error" not in page.text
        assert "Traceback" not in page.text
        assert "XFD1048576" in page.text
        # … and the uploads after it plan as before.
        again, _ = upload_and_wait(client, EXAMPLES / "quotas.csv")
        assert 'id="summary"' in client.get(again).text


def test_planning_processes_end_with_a_killed_server(seeded: Path) -> None:
    with serving(seeded) as (base, server):
        upload_and_wait(browser(base), EXAMPLES / "quotas.csv")
        workers = children_of(server.pid)
        assert workers
        server.kill()  # kill -9: no shutdown runs
        server.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(Path(f"/proc/{pid}").exists() and _alive(pid) for pid in workers):
            assert time.monotonic() < deadline, "orphan planning processes"
            time.sleep(0.2)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_home_and_everything_in_it_are_private(seeded: Path) -> None:
    add_team(seeded)
    with serving(seeded) as (base, _):
        maker = signed_in(base, MAKER)
        review, _ = upload_and_wait(maker, EXAMPLES / "quotas.csv")
        assert maker.get(review).status_code == 200
    assert mode(seeded) == 0o700
    written = [p for p in seeded.rglob("*")]
    assert any(p.name == "journal.db" for p in written)
    assert any(p.suffix == ".csv" for p in written)  # the upload itself
    for path in written:
        assert mode(path) == (0o700 if path.is_dir() else 0o600), path


def test_a_journal_others_may_write_is_named_and_refused_under_four_eyes(
    seeded: Path, tmp_path: Path
) -> None:
    add_team(seeded)
    (seeded / "journal.db").chmod(0o666)
    env = {**os.environ, "QUOTABULK_HOME": str(seeded)}
    shown = subprocess.run(
        [sys.executable, "-m", "quotabulk", "runs"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert shown.returncode == 0
    assert f"chmod 600 {seeded / 'journal.db'}" in shown.stderr
    refused = subprocess.run(
        [
            sys.executable,
            "-m",
            "quotabulk",
            "apply",
            "--yes",
            "--require-approval",
            str(EXAMPLES / "quotas.csv"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode == 1
    assert "four eyes need a private home" in refused.stderr
    serve = subprocess.run(
        [sys.executable, "-m", "quotabulk", "serve", "--four-eyes", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert serve.returncode == 1
    assert "four eyes need a private home" in serve.stderr


def test_old_uploads_go_unless_a_submission_or_a_run_needs_them(
    seeded: Path, tmp_path: Path
) -> None:
    space = Workspace(load_settings())
    folder = seeded / "console"
    for name, digest in (("old", "a" * 64), ("waiting", "b" * 64), ("new", "c" * 64)):
        upload = uploads.private_folder(folder / name)
        uploads.write_private(upload / "meta.json", b"{}")
        uploads.write_private(upload / "plan.json", f'{{"digest": "{digest}"}}'.encode())
    from quotabulk.app import people

    add_team(seeded)
    people.submit_plan(space, "b" * 64, MAKER, {})
    month = 31 * 86400
    for name in ("old", "waiting"):
        for path in (folder / name).rglob("*"):
            os.utime(path, (time.time() - month, time.time() - month))
    assert uploads.prune(folder, space, uploads.DEFAULT_KEEP_S) == 1
    assert sorted(p.name for p in folder.iterdir()) == ["new", "waiting"]

"""A disk that fills during a run: no request leaves before its "sending" mark is in the
journal, the run stops with one sentence and exit 3, and once there is room again the
same command finishes with one request per change."""

from __future__ import annotations

import os
import resource
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from quotabulk.sandbox.store import Behaviour
from tests.engine.test_apply_faults import ACC, requests_per_subscriber, seed, sheet
from tests.live import LiveSandbox, live_sandbox

pytestmark = pytest.mark.slow
# The journal's write-ahead log may grow this far: room for the run and its actions,
# then a few ticks of marks — the disk "fills" a few requests into the run.
WAL_ROOM = 256 * 1024


def limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (WAL_ROOM, WAL_ROOM))


def apply(
    path: Path, live: LiveSandbox, home: Path, preexec: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QUOTABULK_API_URL": live.url,
        "QUOTABULK_TOKEN": live.token,
        "QUOTABULK_ACCOUNT": ACC,
        "QUOTABULK_HOME": str(home),
    }
    return subprocess.run(
        [sys.executable, "-m", "quotabulk", "apply", "--yes", str(path), "--rate-limit", "20"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=preexec,
        check=False,
    )


def marked_numbers(home: Path) -> set[str]:
    """The subscribers whose "sending" mark reached the journal."""
    db = sqlite3.connect(home / "journal.db")
    try:
        rows = db.execute(
            "SELECT a.msisdn FROM events AS e JOIN actions AS a"
            " ON a.run_id = e.run_id AND a.seq = e.seq WHERE e.what = 'sending'"
        ).fetchall()
    finally:
        db.close()
    return {str(row[0]) for row in rows}


def test_a_full_disk_stops_sending_and_every_request_sent_was_journaled_first(
    tmp_path: Path,
) -> None:
    db = tmp_path / "sandbox.db"
    numbers = seed(db, 120)
    path = sheet(tmp_path / "q.csv", numbers)
    home = tmp_path / "home"
    env = {**os.environ, "QUOTABULK_HOME": str(home)}
    made = subprocess.run([sys.executable, "-m", "quotabulk", "runs"], env=env, check=False)
    assert made.returncode == 0  # a journal, migrated: what fills up now is the run's
    with live_sandbox(db, Behaviour(processing_ms=50)) as live:
        full = apply(path, live, home, limit_file_size)
        assert full.returncode == 3, full.stderr[-3000:]
        assert "Traceback" not in full.stderr
        assert "journal.db" in full.stderr
        sent = requests_per_subscriber(db)
        print(f"sent before the disk filled: {sum(sent.values())} of {len(numbers)}")
        assert 0 < sum(sent.values()) < len(numbers)  # it stopped part-way
        assert set(sent) <= marked_numbers(home)  # nothing left unjournaled
        again = apply(path, live, home)
        assert again.returncode == 0, again.stderr[-3000:]
        final = requests_per_subscriber(db)
        assert set(final) == set(numbers)
        assert max(final.values()) == 1  # one request per change, across both runs

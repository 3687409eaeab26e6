"""A run whose lock another process took over (it looked dead to it, say from another
host): it stops sending, leaves the run as it is to the new holder, and exits 3 — never
130, never a run rewritten to `interrupted` behind the new holder's back."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.test_four_eyes_resume import NUMBERS, requests_sent

pytestmark = pytest.mark.slow


def test_a_holder_that_lost_its_lock_stops_and_changes_nothing(
    quotabulk_home: Path, tmp_path: Path
) -> None:
    seed = tmp_path / "current.csv"
    seed.write_text("Номер;Действие\n" + "".join(f"{n};удалить\n" for n in NUMBERS), "utf-8")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("Номер;Лимит\n" + "".join(f"{n};1500\n" for n in NUMBERS), "utf-8")
    env = {**os.environ, "QUOTABULK_SANDBOX_PROCESSING_MS": "30"}
    command = [sys.executable, "-m", "quotabulk"]
    assert (
        subprocess.run([*command, "sandbox", "seed", "--from", str(seed)], env=env).returncode == 0
    )
    process = subprocess.Popen(
        [*command, "apply", "--yes", str(sheet), "--rate-limit", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while requests_sent(quotabulk_home) < 2:
        assert time.monotonic() < deadline
        assert process.poll() is None
        time.sleep(0.05)
    journal = sqlite3.connect(quotabulk_home / "journal.db")
    journal.execute("UPDATE locks SET holder = 'someone-else', host = 'another-host'")
    journal.commit()
    _, err = process.communicate(timeout=120)
    text = err.decode()
    assert process.returncode == 3, text[-2000:]
    assert "lost the account's lock to another process" in text
    assert "Traceback" not in text
    statuses = [row[0] for row in journal.execute("SELECT status FROM runs")]
    assert statuses == ["running"]  # left to the new holder as it was
    sent = requests_sent(quotabulk_home)
    assert sent < len(NUMBERS)
    # The other holder is done with it: the same command finishes the run, one request
    # per change in all.
    journal.execute("DELETE FROM locks")
    journal.commit()
    journal.close()
    done = subprocess.run([*command, "apply", "--yes", str(sheet)], env=env, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert requests_sent(quotabulk_home) == len(NUMBERS)

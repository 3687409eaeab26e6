"""The cron wrapper a system administrator installs really runs a reconcile."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES

WRAPPER = EXAMPLES / "cron" / "quotabulk-nightly.sh"


@pytest.mark.slow
def test_wrapper_reconciles_logs_and_keeps_the_last_reports(tmp_path: Path) -> None:
    home, logs = tmp_path / "home", tmp_path / "logs"
    (home / "reports").mkdir(parents=True)
    for day in range(5):  # old reports, of which only the newest survive
        old = home / "reports" / f"ACC-100200-2026010{day}T000000Z.xlsx"
        old.write_bytes(b"")
        os.utime(old, (1_700_000_000 + day, 1_700_000_000 + day))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    launcher = bin_dir / "quotabulk"
    launcher.write_text(f'#!/bin/sh\nexec {sys.executable} -m quotabulk "$@"\n', encoding="utf-8")
    launcher.chmod(0o755)
    env = {
        **os.environ,
        "QUOTABULK_ENV_FILE": str(tmp_path / "absent"),
        "QUOTABULK_HOME": str(home),
        "QUOTABULK_LOG_DIR": str(logs),
        "QUOTABULK_INPUT": str(EXAMPLES / "quotas.yaml"),
        "QUOTABULK_BIN": str(launcher),
        "QUOTABULK_SANDBOX_PROCESSING_MS": "50",
        "KEEP_REPORTS": "3",
    }
    seeded = subprocess.run(
        [str(launcher), "sandbox", "seed", "--from", str(EXAMPLES / "current.yaml")],
        env=env,
        capture_output=True,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stderr
    done = subprocess.run(["bash", str(WRAPPER)], env=env, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    reports = sorted(p.name for p in (home / "reports").iterdir())
    assert len(reports) == 3
    assert any(not name.startswith("ACC-100200-202601") for name in reports)  # tonight's kept
    [log] = logs.iterdir()
    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert events[-1]["event"] == "reconcile finished"
    assert events[-1]["exit_code"] == 0


@pytest.mark.slow
def test_wrapper_runs_under_cron_s_bare_environment_and_the_caller_wins(tmp_path: Path) -> None:
    """`env -i`: no PATH to quotabulk, nothing inherited. The wrapper finds the install by
    its own absolute path; a variable the caller sets beats the env file's."""
    home, logs = tmp_path / "home", tmp_path / "logs"
    quotabulk = Path(sys.executable).parent / "quotabulk"
    seeded = subprocess.run(
        [str(quotabulk), "sandbox", "seed", "--from", str(EXAMPLES / "current.yaml")],
        env={**os.environ, "QUOTABULK_HOME": str(home)},
        capture_output=True,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stderr
    env_file = tmp_path / "env"
    env_file.write_text(
        "# /etc/quotabulk/env\n"
        f"QUOTABULK_HOME={home}\n"
        f'QUOTABULK_LOG_DIR="{logs}"\n'
        "QUOTABULK_SANDBOX_PROCESSING_MS=50\n"
        "QUOTABULK_INPUT=/nonexistent/quotas.xlsx\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [
            "env",
            "-i",
            "PATH=/usr/bin:/bin",
            f"QUOTABULK_ENV_FILE={env_file}",
            f"QUOTABULK_INPUT={EXAMPLES / 'quotas.yaml'}",  # the caller's value wins
            "bash",
            str(WRAPPER),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr + "".join(p.read_text() for p in logs.glob("*"))
    [log] = logs.iterdir()
    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    finished = next(e for e in events if e["event"] == "reconcile finished")
    assert finished["applied"] == 4


@pytest.mark.slow
def test_hidden_rows_stop_the_night_until_the_mapping_file_decides(tmp_path: Path) -> None:
    """A workbook with a hidden row: exit 1 and nothing sent, until `hidden: skip` in the
    mapping file at $QUOTABULK_COLUMNS; then the night applies the visible rows."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Телефон", "Лимит"])
    sheet.append(["79161000005", 650])
    sheet.append(["79161000004", 3100])
    sheet.row_dimensions[3].hidden = True
    workbook = tmp_path / "quotas.xlsx"
    book.save(workbook)
    home, logs = tmp_path / "home", tmp_path / "logs"
    env = {
        **os.environ,
        "QUOTABULK_ENV_FILE": str(tmp_path / "absent"),
        "QUOTABULK_HOME": str(home),
        "QUOTABULK_LOG_DIR": str(logs),
        "QUOTABULK_INPUT": str(workbook),
        "QUOTABULK_BIN": str(Path(sys.executable).parent / "quotabulk"),
        "QUOTABULK_SANDBOX_PROCESSING_MS": "50",
    }
    seeded = subprocess.run(
        [env["QUOTABULK_BIN"], "sandbox", "seed", "--from", str(EXAMPLES / "current.yaml")],
        env=env,
        capture_output=True,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stderr
    stopped = subprocess.run(["bash", str(WRAPPER)], env=env, capture_output=True, check=False)
    assert stopped.returncode == 1
    assert "--hidden read" in "".join(p.read_text() for p in logs.iterdir())  # says why
    mapping = tmp_path / "columns.yaml"
    mapping.write_text("hidden: skip\n", encoding="utf-8")
    env["QUOTABULK_COLUMNS"] = str(mapping)
    done = subprocess.run(["bash", str(WRAPPER)], env=env, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    exported = tmp_path / "now.csv"
    subprocess.run([env["QUOTABULK_BIN"], "export", "--out", str(exported)], env=env, check=True)
    held = exported.read_text("utf-8-sig")
    assert "79161000005;650" in held  # applied
    assert "79161000004;3000" in held  # the hidden row: left as it was

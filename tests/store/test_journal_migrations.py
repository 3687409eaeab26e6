"""The journal evolves by migrations: a journal written by quotabulk 0.1.0 opens, keeps its
runs and becomes the current version; one from a newer quotabulk is refused clearly."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from quotabulk.domain.errors import StateError
from quotabulk.domain.outcomes import Outcome, RunStatus
from quotabulk.store.journal import Journal
from quotabulk.store.migrations import VERSION
from tests.conftest import CliResult

# Written by the 0.1.0 code (`apply --yes examples/quotas.yaml examples/quotas.csv`),
# before the journal had a schema version.
LEGACY = Path(__file__).resolve().parents[1] / "data" / "journal-0.1.0.db"


def user_version(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute("PRAGMA user_version").fetchone()[0])
    finally:
        db.close()


def test_a_journal_of_0_1_0_migrates_and_keeps_its_runs(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    shutil.copy(LEGACY, path)
    assert user_version(path) == 0
    with Journal(path) as journal:
        (run,) = journal.runs()
    assert user_version(path) == VERSION > 0
    assert run.status is RunStatus.FINISHED
    assert [row.outcome for row in run.rows].count(Outcome.APPLIED) == 6
    assert {row.request_id for row in run.rows if row.outcome is Outcome.APPLIED} == {
        f"Z-2026-000000{i}" for i in range(1, 7)
    }


def test_show_rebuilds_the_report_of_a_migrated_run(
    quotabulk_home: Path, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    quotabulk_home.mkdir(parents=True)
    shutil.copy(LEGACY, quotabulk_home / "journal.db")
    run_id = cli("runs", "--format", "json").out.split('"run_id": "')[1].split('"')[0]
    report = tmp_path / "old.json"
    shown = cli("show", run_id, "--report", report)
    assert shown.code == 0, shown.err
    assert '"outcome": "applied"' in report.read_text(encoding="utf-8")


def test_a_new_journal_starts_at_the_current_version(tmp_path: Path) -> None:
    Journal(tmp_path / "journal.db").close()
    assert user_version(tmp_path / "journal.db") == VERSION


def test_a_journal_from_a_newer_quotabulk_is_refused_in_one_sentence(
    quotabulk_home: Path, cli: Callable[..., CliResult]
) -> None:
    path = quotabulk_home / "journal.db"
    Journal(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {VERSION + 1}")
    db.close()
    with pytest.raises(StateError, match="written by a newer quotabulk"):
        Journal(path)
    result = cli("runs")
    assert result.code == 1
    assert result.err.startswith(f"Error: {path} was written by a newer quotabulk")
    assert "Traceback" not in result.err


def test_a_damaged_journal_is_named_not_a_bug(
    quotabulk_home: Path, cli: Callable[..., CliResult]
) -> None:
    quotabulk_home.mkdir(parents=True)
    (quotabulk_home / "journal.db").write_bytes(b"this is not a database" * 100)
    result = cli("runs")
    assert result.code == 1
    assert "journal.db is damaged" in result.err
    assert "bug" not in result.err

"""The benchmarks' own helpers still run against today's code (`make bench` is not part
of `make test`, so a model change would otherwise break it unseen)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest


@pytest.mark.parametrize("who", ["quotabulk", "bare"])
def test_the_report_benchmark_child_writes_every_row(tmp_path: Path, who: str) -> None:
    out = tmp_path / f"{who}.xlsx"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.report_child", who, "30", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    book = openpyxl.load_workbook(out, read_only=True)
    try:
        sheet = book.worksheets[0]
        rows = [row for row in sheet.iter_rows(values_only=True) if "Продажи" in row]
    finally:
        book.close()
    assert len(rows) == 30


def test_a_measured_peak_is_the_commands_own_not_its_parents() -> None:
    from benchmarks.measure import PYTHON, run_once

    held = bytearray(300 * 1024 * 1024)
    held[::4096] = b"\x01" * len(held[::4096])  # touched: resident in this process
    measured = run_once([PYTHON, "-c", "block = bytearray(40 * 1024 * 1024)"])
    del held
    assert 40 < measured.peak_mb < 150  # not the 300 MB this test process holds

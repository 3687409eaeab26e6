"""Writing a 100k-row `.xlsx` report: time and peak memory, beside bare xlsxwriter."""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.measure import PYTHON, side_by_side
from benchmarks.report import Result


def run(count: int = 100_000) -> Result:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        child = [PYTHON, "-m", "benchmarks.report_child"]
        subject, baseline = side_by_side(
            [*child, "quotabulk", str(count), str(out / "report.xlsx")],
            [*child, "bare", str(count), str(out / "bare.xlsx")],
        )
    return Result(
        name=f"write {count:,}-row .xlsx report",
        subject_s=subject.seconds,
        baseline_s=baseline.seconds,
        baseline="the same cells through bare xlsxwriter (no formats, no summary)",
        peak_mb=subject.peak_mb,
        notes=[
            f"peak RSS {subject.peak_mb:.0f} MB (bare: {baseline.peak_mb:.0f} MB), "
            "including the 100k rows held in memory"
        ],
    )

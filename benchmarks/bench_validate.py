"""`quotabulk validate` of a large .xlsx vs a bare python-calamine read of the same file."""

from __future__ import annotations

from benchmarks.data import quota_sheet
from benchmarks.measure import QUOTABULK, bare_read, side_by_side
from benchmarks.report import Result


def run(rows: int) -> Result:
    path = quota_sheet(rows)
    subject, baseline = side_by_side([*QUOTABULK, "validate", str(path)], bare_read(path))
    return Result(
        name=f"validate {rows:,} rows .xlsx",
        subject_s=subject.seconds,
        baseline_s=baseline.seconds,
        baseline="bare calamine read",
        goal_ratio=2.0,
        peak_mb=subject.peak_mb,
        goal_peak_mb=1500 if rows >= 1_000_000 else None,
    )

"""`quotabulk validate` of a large .xlsx vs a bare python-calamine read of the same file.

The file is the kind people send: amounts partly text (`1 500,00`, `1 200 ₽`), phone
numbers as floats, `+7 916 100-00-05` and `8 (916) 100-0005`.
"""

from __future__ import annotations

from benchmarks.data import mixed_sheet
from benchmarks.measure import QUOTABULK, bare_read, side_by_side, spread_note
from benchmarks.report import Result


def run(rows: int) -> Result:
    path = mixed_sheet(rows)
    subject, baseline = side_by_side([*QUOTABULK, "validate", str(path)], bare_read(path))
    return Result(
        name=f"validate {rows:,} rows .xlsx (mixed text)",
        subject_s=subject.seconds,
        baseline_s=baseline.seconds,
        baseline="bare calamine read",
        goal_ratio=2.0,
        peak_mb=subject.peak_mb,
        goal_peak_mb=1500 if rows >= 1_000_000 else None,
        notes=[spread_note(subject, baseline)],
    )

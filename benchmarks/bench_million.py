"""1 M rows from CSV (or .xlsx), validated and planned against 1 M subscribers served
over HTTP: the client's peak memory (goal < 1 GB from CSV, < 1.5 GB from .xlsx, whose
reader holds the sheet)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.bench_plan import ACCOUNT, _seed
from benchmarks.data import mixed_sheet, quota_csv
from benchmarks.measure import QUOTABULK, run_once
from benchmarks.report import Result
from benchmarks.sandbox_process import TOKEN, served


def run(rows: int = 1_000_000, source: str = "csv") -> Result:
    path = quota_csv(rows) if source == "csv" else mixed_sheet(rows)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "sandbox.db"
        started = time.perf_counter()
        _seed(db, rows)
        seeding = time.perf_counter() - started
        with served(db) as url:
            env = {
                "QUOTABULK_API_URL": url,
                "QUOTABULK_TOKEN": TOKEN,
                "QUOTABULK_ACCOUNT": ACCOUNT,
                "QUOTABULK_HOME": folder,
            }
            measured = run_once([*QUOTABULK, "plan", str(path)], env)
    return Result(
        name=f"validate + plan {rows:,} rows from {source.upper()} over HTTP",
        subject_s=measured.seconds,
        peak_mb=measured.peak_mb,
        goal_peak_mb=1000 if source == "csv" else 1500,
        notes=[
            f"the client's own CPU time: {measured.cpu_s:.1f} s; "
            f"seeding the sandbox took {seeding:.0f} s (not counted)"
        ],
    )

"""`quotabulk plan` of a 100k-row sheet against 100k subscribers served over HTTP by
`sandbox serve --latency-ms 5`, vs a bare python-calamine read of the same file.

The sandbox shares the machine's two cores with the client, so the client's own CPU
time is printed beside the wall time.
"""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from benchmarks.data import mixed_sheet, msisdn
from benchmarks.measure import QUOTABULK, bare_read, side_by_side, spread_note
from benchmarks.report import Result
from benchmarks.sandbox_process import TOKEN, served
from quotabulk.domain.models import OnExceed, Quota, Subscriber
from quotabulk.sandbox.store import SandboxStore

ACCOUNT = "ACC-BENCH"


def _seed(db: Path, count: int) -> None:
    """The sheet's subscribers, a tenth of them with another limit: a plan of 10% edits."""
    subscribers = []
    for i in range(count):
        limit = 500 + (i % 50) * 100 + (100 if i % 10 == 0 else 0)
        quota = Quota(Decimal(limit), Decimal(limit - 100), OnExceed.BLOCK)
        subscribers.append(Subscriber(msisdn(i), quota))
    store = SandboxStore(db)
    store.reset_account(ACCOUNT, subscribers)
    store.close()


def run(rows: int = 100_000) -> Result:
    path = mixed_sheet(rows)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "sandbox.db"
        _seed(db, rows)
        with served(db, ["--latency-ms", "5"]) as url:
            env = {
                "QUOTABULK_API_URL": url,
                "QUOTABULK_TOKEN": TOKEN,
                "QUOTABULK_ACCOUNT": ACCOUNT,
                "QUOTABULK_HOME": folder,
            }
            subject, baseline = side_by_side(
                [*QUOTABULK, "plan", str(path)], bare_read(path), env=env
            )
    return Result(
        name=f"plan {rows:,} rows over HTTP",
        subject_s=subject.seconds,
        baseline_s=baseline.seconds,
        baseline="bare calamine read of the same file",
        goal_ratio=4.0,
        peak_mb=subject.peak_mb,
        notes=[
            f"the client's own CPU time: {subject.cpu_s:.2f} s (the sandbox shares the cores)",
            spread_note(subject, baseline),
        ],
    )

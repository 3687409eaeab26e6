"""`make soak`: a large apply against a faulty `sandbox serve`, killed with SIGKILL at
random moments and rerun until done; then the operator's history, the journal and the
report are checked against each other. `python -m benchmarks.soak --changes N --kills K`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from benchmarks.measure import QUOTABULK, ROOT
from benchmarks.sandbox_process import TOKEN, served
from quotabulk.domain.models import Quota, Subscriber
from quotabulk.sandbox.store import SandboxStore

ACCOUNT = "ACC-SOAK"
FIRST = 79070000000
FAULTS = [
    "--error-rate",
    "0.1",
    "--throttle-rate",
    "0.1",
    "--lost-response-rate",
    "0.05",
    "--reject-rate",
    "0.02",
    "--processing-ms",
    "500",
]


@dataclass
class SoakResult:
    changes: int
    kills: int
    runs: int
    seconds: float
    requests: int
    doubled: int
    final_rows: int
    open_rows: int
    lost_rows: int
    mismatched: int
    outcomes: dict[str, int]

    @property
    def ok(self) -> bool:
        return not (self.doubled or self.open_rows or self.lost_rows or self.mismatched)

    def table(self) -> str:
        lines = [
            f"changes in the sheet          {self.changes}",
            f"kill -9 during the runs       {self.kills}",
            f"runs until done               {self.runs}",
            f"wall time                     {self.seconds:.1f} s",
            f"requests at the operator      {self.requests}",
            f"subscribers with 2+ requests  {self.doubled}",
            f"rows final                    {self.final_rows}",
            f"rows still open               {self.open_rows}",
            f"rows lost (not in report)     {self.lost_rows}",
            f"report ≠ operator state       {self.mismatched}",
            f"outcomes                      {json.dumps(self.outcomes)}",
            f"verdict                       {'PASS' if self.ok else 'FAIL'}",
        ]
        return "\n".join(lines)


def _seed(folder: Path, count: int) -> Path:
    store = SandboxStore(folder / "sandbox.db")
    store.reset_account(
        ACCOUNT,
        [
            Subscriber(str(FIRST + i), None if i % 3 == 0 else Quota(Decimal(100)))
            for i in range(count)
        ],
    )
    store.close()
    sheet = folder / "changes.csv"
    lines = ["Номер;Лимит;Действие"]
    lines += [
        f"{FIRST + i};;удалить" if i % 3 == 1 else f"{FIRST + i};{200 + i};" for i in range(count)
    ]
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return sheet


def soak(changes: int, kills: int, seed: int = 1, rate: float = 200) -> SoakResult:
    rng = random.Random(seed)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        sheet = _seed(folder, changes)
        report = folder / "report.json"
        env = {
            **os.environ,
            "QUOTABULK_TOKEN": TOKEN,
            "QUOTABULK_ACCOUNT": ACCOUNT,
            "QUOTABULK_HOME": str(folder / "home"),
        }
        command = [
            *QUOTABULK,
            "apply",
            "--yes",
            str(sheet),
            "--rate-limit",
            str(rate),
            "--concurrency",
            "16",
            "--report",
            str(report),
            "--log-format",
            "json",
        ]
        expected_s = changes / rate * 1.5 + 3
        with served(folder / "sandbox.db", [*FAULTS, "--seed", str(seed)]) as url:
            env["QUOTABULK_API_URL"] = url
            runs = 0
            for _ in range(kills):
                runs += 1
                process = subprocess.Popen(
                    command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
                time.sleep(rng.uniform(0.5, expected_s / max(kills, 1)))
                process.send_signal(signal.SIGKILL)
                process.wait()
            code = None
            while code not in (0, 3) and runs < kills + 5:
                runs += 1
                code = subprocess.run(
                    command, env=env, cwd=ROOT, capture_output=True, check=False
                ).returncode
            history = _history(folder / "sandbox.db")
            current = _current(folder / "sandbox.db")
        body = json.loads(report.read_text("utf-8"))
    return _check(changes, kills, runs, time.monotonic() - started, history, current, body)


def _history(db: Path) -> list[dict[str, object]]:
    store = SandboxStore(db)
    try:
        return store.history(ACCOUNT, None, None, 0, 10_000_000)[0]
    finally:
        store.close()


def _current(db: Path) -> dict[str, object]:
    store = SandboxStore(db)
    try:
        items, _ = store.list_subscribers(ACCOUNT, None, 10_000_000)
    finally:
        store.close()
    return {str(item["msisdn"]): item["quota"] for item in items}


def _check(
    changes: int,
    kills: int,
    runs: int,
    seconds: float,
    history: list[dict[str, object]],
    current: dict[str, object],
    body: dict[str, object],
) -> SoakResult:
    per_subscriber = Counter(str(item["msisdn"]) for item in history)
    rows = body["rows"]
    assert isinstance(rows, list)
    final = [r for r in rows if r["outcome"] in ("applied", "rejected", "unchanged")]
    sources = {r["source"] for r in rows}
    lost = changes - len(sources)
    mismatched = 0
    for row in rows:
        held = current.get(row["msisdn"])
        if row["outcome"] == "applied" and held != row["after"]:
            mismatched += 1
        if row["outcome"] == "rejected" and held != row["before"]:
            mismatched += 1
    return SoakResult(
        changes=changes,
        kills=kills,
        runs=runs,
        seconds=seconds,
        requests=len(history),
        doubled=sum(1 for n in per_subscriber.values() if n > 1),
        final_rows=len(final),
        open_rows=len(rows) - len(final),
        lost_rows=lost,
        mismatched=mismatched,
        outcomes=dict(Counter(str(r["outcome"]) for r in rows)),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    result = soak(args.changes, args.kills, args.seed)
    print(result.table())
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())

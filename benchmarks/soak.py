"""`make soak`: a large apply against a faulty `sandbox serve`, run by two machines at
once (two `QUOTABULK_HOME`s), killed with SIGKILL or stopped with SIGTERM at random
moments and rerun until done; then the operator's history, the journal and the report
are checked against each other. `python -m benchmarks.soak --changes N --kills K`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
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


FULL_DISK_ROUNDS = 1
FULL_DISK_BYTES = 256 * 1024


@dataclass
class SoakResult:
    changes: int
    kills: int
    runs: int
    seconds: float
    requests: int
    doubled: int
    retried_after_rejection: int
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
            "homes applying at once        2",
            f"kill -9 / SIGTERM rounds      {self.kills} (alternating, both homes)",
            f"full-disk rounds              {FULL_DISK_ROUNDS} (journals capped at "
            f"{FULL_DISK_BYTES // 1024} KB of growth, both homes)",
            f"runs until done               {self.runs}",
            f"wall time                     {self.seconds:.1f} s",
            f"requests at the operator      {self.requests}",
            f"requests per change           {self.requests / max(self.changes, 1):.3f}",
            f"one change sent twice         {self.doubled}",
            f"re-tried after a rejection    {self.retried_after_rejection}",
            f"rows final (both reports)     {self.final_rows}",
            f"rows still open               {self.open_rows}",
            f"rows lost (not in report)     {self.lost_rows}",
            f"report ≠ operator state       {self.mismatched}",
            f"outcomes (first home)         {json.dumps(self.outcomes)}",
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
        env = {**os.environ, "QUOTABULK_TOKEN": TOKEN, "QUOTABULK_ACCOUNT": ACCOUNT}
        command = [
            *QUOTABULK,
            "apply",
            "--yes",
            str(sheet),
            "--rate-limit",
            str(rate),
            "--concurrency",
            "16",
            "--log-format",
            "json",
        ]
        homes = [folder / "home-a", folder / "home-b"]
        expected_s = changes / rate * 1.5 + 3
        with served(folder / "sandbox.db", [*FAULTS, "--seed", str(seed)]) as url:
            env["QUOTABULK_API_URL"] = url
            runs = 0
            for round_ in range(kills):
                runs += 1
                processes = [_start(command, env, home) for home in homes]
                time.sleep(rng.uniform(0.5, expected_s / max(kills, 1)))
                stop = signal.SIGKILL if round_ % 2 == 0 else signal.SIGTERM
                for process in processes:
                    process.send_signal(stop)
                for process in processes:
                    process.wait(timeout=120)
            for _ in range(FULL_DISK_ROUNDS):
                # The disk fills under both homes mid-run: they stop at once, with every
                # request that left journaled first, and the next runs finish the job.
                runs += 1
                processes = [_start(command, env, home, full_disk=True) for home in homes]
                for process in processes:
                    process.wait(timeout=600)
            codes: list[int | None] = [None, None]
            while any(c not in (0, 3) for c in codes) and runs < kills + 5:
                runs += 1
                processes = [_start(command, env, home) for home in homes]
                codes = [process.wait(timeout=600) for process in processes]
            history = _history(folder / "sandbox.db")
            current = _current(folder / "sandbox.db")
        bodies = [json.loads((home / "report.json").read_text("utf-8")) for home in homes]
    return _check(changes, kills, runs, time.monotonic() - started, history, current, bodies)


def _start(
    command: list[str], env: dict[str, str], home: Path, *, full_disk: bool = False
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*command, "--report", str(home / "report.json")],
        env={**env, "QUOTABULK_HOME": str(home)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_full_disk if full_disk else None,
    )


def _full_disk() -> None:
    """No file of this process grows past `FULL_DISK_BYTES`: its journal's log fills."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (FULL_DISK_BYTES, FULL_DISK_BYTES))


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
    bodies: list[dict[str, object]],
) -> SoakResult:
    """Both homes' reports are checked against the operator; the outcomes shown are the
    first home's (the second finds some rows already applied by the first: unchanged)."""
    per_subscriber: dict[str, list[str]] = {}
    for item in history:
        per_subscriber.setdefault(str(item["msisdn"]), []).append(str(item["status"]))
    # A change rejected by the operator is planned again against the subscriber's new
    # version, so a second request after a rejection is a retry, not a double.
    doubled = sum(1 for s in per_subscriber.values() if "rejected" not in s[:-1] and len(s) > 1)
    retried = {m for m, s in per_subscriber.items() if "rejected" in s[:-1]}
    every = [row for body in bodies for row in body["rows"]]  # type: ignore[attr-defined]
    rows = bodies[0]["rows"]
    assert isinstance(rows, list)
    final = [r for r in every if r["outcome"] in ("applied", "rejected", "unchanged")]
    lost = sum(changes - len({r["source"] for r in body["rows"]}) for body in bodies)  # type: ignore[attr-defined]
    mismatched = 0
    for row in every:
        held = current.get(row["msisdn"])
        if row["outcome"] == "applied" and held != row["after"]:
            mismatched += 1
        # A rejection that the other home then tried again (against the new version) is
        # history: the operator holds the retry's result.
        if row["outcome"] == "rejected" and held != row["before"] and row["msisdn"] not in retried:
            mismatched += 1
    return SoakResult(
        changes=changes,
        kills=kills,
        runs=runs,
        seconds=seconds,
        requests=len(history),
        doubled=doubled,
        retried_after_rejection=len(retried),
        final_rows=len(final),
        open_rows=len(every) - len(final),
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

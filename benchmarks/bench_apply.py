"""Apply 1000 changes against `sandbox serve --rate-limit 100 --latency-ms 20
--processing-ms 200` at `--rate-limit 100`, and the same changes the naive way."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from benchmarks.measure import QUOTABULK, ROOT
from benchmarks.report import Result
from benchmarks.sandbox_process import TOKEN, served
from quotabulk.domain.models import Quota, Subscriber
from quotabulk.sandbox.store import SandboxStore

ACCOUNT = "ACC-APPLY"
SERVE = ["--rate-limit", "100", "--latency-ms", "20", "--processing-ms", "200"]
FIRST = 79060000000


def _prepare(folder: Path, count: int) -> Path:
    store = SandboxStore(folder / "sandbox.db")
    store.reset_account(
        ACCOUNT, [Subscriber(str(FIRST + i), Quota(Decimal(100))) for i in range(count)]
    )
    store.close()
    sheet = folder / "changes.csv"
    lines = ["Номер;Лимит", *(f"{FIRST + i};{200 + i}" for i in range(count))]
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return sheet


def _quotabulk_apply(url: str, sheet: Path, home: Path) -> tuple[float, dict[str, object]]:
    env = {
        **os.environ,
        "QUOTABULK_API_URL": url,
        "QUOTABULK_TOKEN": TOKEN,
        "QUOTABULK_ACCOUNT": ACCOUNT,
        "QUOTABULK_HOME": str(home),
    }
    command = [*QUOTABULK, "apply", "--yes", str(sheet), "--rate-limit", "100", "--format", "json"]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, cwd=ROOT, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode()[-2000:])
    return seconds, json.loads(done.stdout)


def _naive_apply(url: str, count: int) -> tuple[float, int]:
    """A hand-written loop: one request at a time, each polled until final."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    calls = 0
    started = time.perf_counter()
    with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
        for i in range(count):
            body = {"msisdn": str(FIRST + i), "operation": "edit", "quota": {"limit": str(300 + i)}}
            answer = http.post(
                f"/v1/accounts/{ACCOUNT}/requests",
                json=body,
                headers={"Idempotency-Key": f"naive-{i:06d}"},
            )
            calls += 1
            request_id = answer.json()["request_id"]
            while True:
                time.sleep(0.1)
                calls += 1
                status = http.get(f"/v1/accounts/{ACCOUNT}/requests/{request_id}").json()["status"]
                if status in ("completed", "rejected"):
                    break
    return time.perf_counter() - started, calls


def _one_apply(count: int) -> tuple[float, dict[str, Any]]:
    """A whole `quotabulk apply` of `count` changes on a fresh sandbox and home."""
    with tempfile.TemporaryDirectory() as folder:
        sheet = _prepare(Path(folder), count)
        with served(Path(folder) / "sandbox.db", SERVE) as url:
            seconds, body = _quotabulk_apply(url, sheet, Path(folder) / "home")
    counts, stats = body["counts"], body["stats"]
    assert isinstance(counts, dict)
    assert isinstance(stats, dict)
    if counts["applied"] != count:
        raise RuntimeError(f"the benchmark apply did not apply everything: {counts}")
    return seconds, stats


def _naive(count: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as folder:
        _prepare(Path(folder), count)
        with served(Path(folder) / "sandbox.db", SERVE) as url:
            return _naive_apply(url, count)


def run(count: int = 1000, naive_count: int = 100, repeats: int = 5) -> list[Result]:
    runs = sorted((_one_apply(count) for _ in range(repeats)), key=lambda run: run[0])
    seconds, stats = runs[len(runs) // 2]  # the median run, with its own phases
    low, high = runs[0][0], runs[-1][0]
    naive_s, naive_calls = _naive(naive_count)
    allowed = count / 100
    throughput = Result(
        name=f"apply {count} changes at --rate-limit 100",
        subject_s=seconds,
        baseline_s=allowed,
        baseline="the 10 s the rate limit allows",
        value=allowed / seconds,
        value_label="achieved / limit",
        goal_value=0.95,
        notes=[
            f"whole command, start-up to verified result: median of {repeats} runs "
            f"{seconds:.2f} s (spread {low:.2f}–{high:.2f} s; achieved "
            f"{allowed / high:.3f}–{allowed / low:.3f})",
            f"following the last requests after the last answer: {stats['following_s']:.2f} s "
            "(the operator's processing time is 0.2 s)",
            f"send phase alone: {count / stats['sending_s']:.1f} requests/s "
            f"({count / stats['sending_s'] / 100:.3f} of the limit)",
            f"status polls per change: {stats['status_calls'] / count:.3f} (goal < 0.05); "
            f"retries {stats['retries']}",
        ],
    )
    naive_per_change = naive_s / naive_count
    ours_per_change = seconds / count
    naive = Result(
        name=f"naive loop ({naive_count} changes, extrapolated)",
        subject_s=ours_per_change * count,
        baseline_s=naive_per_change * count,
        baseline="one request at a time, each polled until final",
        value=naive_per_change / ours_per_change,
        value_label="speed-up of quotabulk",
        notes=[
            f"naive: {naive_calls / naive_count:.1f} calls per change, "
            f"{naive_per_change * 1000:.0f} ms per change"
        ],
    )
    return [throughput, naive]

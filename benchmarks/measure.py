"""Run a command as its own process and measure wall time and peak memory."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
QUOTABULK = [PYTHON, "-m", "quotabulk"]


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_mb: float
    cpu_s: float = 0.0  # user + system time of the process itself
    low_s: float = 0.0  # the spread of the runs a median was taken from
    high_s: float = 0.0

    @property
    def spread(self) -> str:
        return f"{self.low_s:.2f}–{self.high_s:.2f} s"


def run_once(command: Sequence[str], env: dict[str, str] | None = None) -> Measured:
    started = time.perf_counter()
    process = subprocess.Popen(
        list(command),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )
    assert process.stderr is not None
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 2):
        raise RuntimeError(
            f"{' '.join(command)} exited {process.returncode}: {err.decode()[-500:]}"
        )
    cpu = usage.ru_utime + usage.ru_stime
    return Measured(seconds, usage.ru_maxrss / 1024, cpu, seconds, seconds)


def side_by_side(
    subject: Sequence[str],
    baseline: Sequence[str],
    repeats: int = 5,
    env: dict[str, str] | None = None,
) -> tuple[Measured, Measured]:
    """Median of `repeats` alternating runs of each, so noise hits both alike."""
    subjects, baselines = [], []
    for _ in range(repeats):
        baselines.append(run_once(baseline, env))
        subjects.append(run_once(subject, env))
    return _median(subjects), _median(baselines)


def _median(runs: list[Measured]) -> Measured:
    seconds = [r.seconds for r in runs]
    return Measured(
        statistics.median(seconds),
        max(r.peak_mb for r in runs),
        statistics.median(r.cpu_s for r in runs),
        min(seconds),
        max(seconds),
    )


def spread_note(subject: Measured, baseline: Measured, repeats: int = 5) -> str:
    return (
        f"{repeats} alternating runs each, medians; spread: quotabulk {subject.spread}, "
        f"baseline {baseline.spread}"
    )


BARE_CALAMINE_READ = """
import sys, python_calamine
book = python_calamine.CalamineWorkbook.from_path(sys.argv[1])
for name in book.sheet_names:
    for row in book.get_sheet_by_name(name).iter_rows():
        pass
"""


def bare_read(path: Path) -> list[str]:
    return [PYTHON, "-c", BARE_CALAMINE_READ, str(path)]

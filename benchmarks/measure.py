"""Run a command as its own process and measure wall time and peak memory."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
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


# Each measured command is spawned by a small process of its own: Linux reports a
# child's peak memory as at least the peak of the process that spawned it (exec records
# the old address space's high-water mark, and subprocess spawns with vfork). Spawned
# straight from `python -m benchmarks` after it had seeded a million subscribers, a
# `validate` of 20 000 rows "peaked" at 673 MB. The launcher never grows, so the figure
# is the command's own; it times the command itself, so its own start is not counted.
_LAUNCHER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
seconds = time.perf_counter() - started
print(json.dumps({
    "code": os.waitstatus_to_exitcode(status),
    "seconds": seconds,
    "peak_mb": usage.ru_maxrss / 1024,
    "cpu_s": usage.ru_utime + usage.ru_stime,
}))
"""


@dataclass(frozen=True)
class Launched:
    code: int
    seconds: float
    peak_mb: float
    cpu_s: float
    stderr: str


def launch(command: Sequence[str], env: dict[str, str] | None = None) -> Launched:
    """Run `command` (stdout discarded) and measure it, from the launcher above."""
    done = subprocess.run(
        [PYTHON, "-c", _LAUNCHER, *command],
        capture_output=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        check=False,
    )
    figures = json.loads(done.stdout)
    return Launched(stderr=done.stderr.decode(errors="replace"), **figures)


def run_once(command: Sequence[str], env: dict[str, str] | None = None) -> Measured:
    done = launch(command, env)
    if done.code not in (0, 2):
        raise RuntimeError(f"{' '.join(command)} exited {done.code}: {done.stderr[-500:]}")
    return Measured(done.seconds, done.peak_mb, done.cpu_s, done.seconds, done.seconds)


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

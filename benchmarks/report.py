"""One table of benchmark results, printed and saved as JSON under benchmarks/results/."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Result:
    """One measured figure: a ratio of subject to baseline (lower is better) or a value
    against a goal (higher is better)."""

    name: str
    subject_s: float | None = None
    baseline_s: float | None = None
    baseline: str = ""
    goal_ratio: float | None = None
    peak_mb: float | None = None
    goal_peak_mb: float | None = None
    value: float | None = None
    value_label: str = ""
    goal_value: float | None = None
    goal_max_value: float | None = None  # for a value where lower is better
    goal_max_s: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.subject_s is None or not self.baseline_s:
            return None
        return self.subject_s / self.baseline_s

    @property
    def met(self) -> bool:
        ok = True
        if self.goal_ratio is not None and self.ratio is not None:
            ok &= self.ratio <= self.goal_ratio
        if self.goal_peak_mb is not None and self.peak_mb is not None:
            ok &= self.peak_mb < self.goal_peak_mb
        if self.goal_value is not None and self.value is not None:
            ok &= self.value >= self.goal_value
        if self.goal_max_value is not None and self.value is not None:
            ok &= self.value <= self.goal_max_value
        if self.goal_max_s is not None and self.subject_s is not None:
            ok &= self.subject_s <= self.goal_max_s
        return ok


def render(results: list[Result]) -> str:
    lines = [
        f"{'benchmark':44} {'quotabulk':>10} {'baseline':>10} {'ratio':>7} {'goal':>8} "
        f"{'peak MB':>8}  met",
    ]
    for r in results:
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else ""
        if r.value is not None:
            ratio = f"{r.value:.3g}"
        goal = (
            f"≤{r.goal_ratio:g}×"
            if r.goal_ratio
            else (f"≥{r.goal_value:g}" if r.goal_value else "")
        )
        if r.goal_max_value:
            goal += f"≤{r.goal_max_value:g}"
        if r.goal_max_s:
            goal += f"≤{r.goal_max_s:g}s"
        if r.goal_peak_mb:
            goal += f" <{r.goal_peak_mb:g}MB"
        lines.append(
            f"{r.name:44} {_s(r.subject_s):>10} {_s(r.baseline_s):>10} {ratio:>7} {goal:>8} "
            f"{_mb(r.peak_mb):>8}  {'yes' if r.met else 'NO'}"
        )
        if r.baseline:
            lines.append(
                f"{'':4}baseline: {r.baseline}{'; ' + r.value_label if r.value_label else ''}"
            )
        lines.extend(f"{'':4}{note}" for note in r.notes)
    return "\n".join(lines)


def _s(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds:.2f} s"


def _mb(mb: float | None) -> str:
    return "" if mb is None else f"{mb:.0f}"


def save(results: list[Result]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{stamp}.json"
    body = {
        "when": stamp,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "results": [{**asdict(r), "ratio": r.ratio, "met": r.met} for r in results],
    }
    path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    return path

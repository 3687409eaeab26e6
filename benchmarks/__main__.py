"""`make bench`: `python -m benchmarks [NAME...]` runs the named benchmarks (all by default)."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable

from benchmarks import (
    bench_apply,
    bench_million,
    bench_mts,
    bench_night,
    bench_operator,
    bench_plan,
    bench_report,
    bench_validate,
)
from benchmarks.report import Result, render, save

BENCHES: dict[str, Callable[[], Result | list[Result]]] = {
    "validate-100k": lambda: bench_validate.run(100_000),
    "validate-1m": lambda: bench_validate.run(1_000_000),
    "plan-1m-csv": bench_million.run,
    "plan-1m-xlsx": lambda: bench_million.run(source="xlsx"),
    "plan-100k": bench_plan.run,
    "list-100k": bench_operator.run_listing,
    "status-reads": bench_operator.run_status_reads,
    "apply-1000": bench_apply.run,
    "report-100k": bench_report.run,
    "night": bench_night.run,
    "mts-budget": bench_mts.run,
}


def main(names: list[str]) -> int:
    unknown = [name for name in names if name not in BENCHES]
    if unknown:
        print(f"unknown benchmark {unknown[0]}; known: {', '.join(BENCHES)}")
        return 1
    results: list[Result] = []
    failed: list[str] = []
    for name in names or list(BENCHES):
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            found = BENCHES[name]()
        except Exception:  # one broken benchmark must not lose the others' figures
            traceback.print_exc()
            failed.append(name)
            continue
        results.extend(found if isinstance(found, list) else [found])
    print(render(results))
    print(f"saved {save(results)}", file=sys.stderr)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Reconciliation reports: one row per input row, as `.xlsx`, `.csv` or `.json`."""

from __future__ import annotations

import os
from pathlib import Path

from quotabulk.domain.errors import UsageError
from quotabulk.domain.outcomes import RunResult
from quotabulk.formats.reports.meta import ReportMeta

FORMATS = (".xlsx", ".csv", ".json")

__all__ = ["FORMATS", "ReportMeta", "check_report_path", "write_report"]


def check_report_path(path: Path) -> None:
    """Refuse an unknown format before anything is sent, not after the run."""
    if path.suffix.lower() not in FORMATS:
        raise UsageError(f"--report must end in {', '.join(FORMATS)} (got {path.name})")


def write_report(
    result: RunResult,
    path: Path,
    meta: ReportMeta,
    csv_delimiter: str = ";",
    *,
    exclusive: bool = False,
) -> Path:
    """Write the report next to a temporary name first, so a crash never leaves half a
    file; `exclusive` never replaces a file already there (`-2`, `-3`, … are added)."""
    check_report_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from quotabulk.formats.reports.xlsx import write_xlsx

        write_xlsx(result, partial, meta)
    elif suffix == ".csv":
        from quotabulk.formats.reports.csv_report import write_csv

        write_csv(result, partial, meta.lang, csv_delimiter)
    else:
        from quotabulk.formats.reports.json_report import write_json

        write_json(result, partial, meta)
    if not exclusive:
        partial.replace(path)
        return path
    return _link_exclusively(partial, path)


def _link_exclusively(partial: Path, path: Path) -> Path:
    number = 1
    target = path
    while True:
        try:
            os.link(partial, target)  # fails when the name is taken: never overwrites
        except FileExistsError:
            number += 1
            target = path.with_name(f"{path.stem}-{number}{path.suffix}")
            continue
        partial.unlink()
        return target

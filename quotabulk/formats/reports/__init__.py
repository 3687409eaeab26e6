"""Reconciliation reports: one row per input row, as `.xlsx`, `.csv` or `.json`."""

from __future__ import annotations

import contextlib
import os
from dataclasses import replace
from pathlib import Path

from quotabulk.domain import messages as said
from quotabulk.domain.errors import StateError, UsageError
from quotabulk.domain.outcomes import RunResult
from quotabulk.formats.reports.columns import reading_order
from quotabulk.formats.reports.meta import ReportMeta

FORMATS = (".xlsx", ".csv", ".json")

__all__ = ["FORMATS", "ReportMeta", "check_report_path", "write_report"]


def check_report_path(path: Path) -> None:
    """Refuse an unknown format before anything is sent, not after the run."""
    if path.suffix.lower() not in FORMATS:
        raise UsageError(said.REPORT_SUFFIX(kinds=", ".join(FORMATS), name=path.name))


def write_report(
    result: RunResult,
    path: Path,
    meta: ReportMeta,
    csv_delimiter: str = ";",
    *,
    exclusive: bool = False,
) -> Path:
    """Write the report next to a temporary name first, so a crash never leaves half a
    file; `exclusive` never replaces a file already there (`-2`, `-3`, … are added). A
    report that cannot be written (a full disk, a folder that is not one) is a
    `StateError` naming it."""
    check_report_path(path)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return _write(result, path, partial, meta, csv_delimiter, exclusive)
    except Exception as exc:  # OSError, or xlsxwriter's own FileCreateError for one
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise StateError(said.REPORT_UNWRITTEN(path=str(path), reason=reason)) from None


def _write(
    result: RunResult,
    path: Path,
    partial: Path,
    meta: ReportMeta,
    csv_delimiter: str,
    exclusive: bool,
) -> Path:
    suffix = path.suffix.lower()
    # Every format in sheet order (file, sheet, row): the report reads like the input.
    result = replace(result, rows=reading_order(result.rows))
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

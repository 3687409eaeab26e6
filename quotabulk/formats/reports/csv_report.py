"""The report as CSV: UTF-8 with BOM (Excel reads Cyrillic right), `;` by default."""

from __future__ import annotations

import csv
from pathlib import Path

from quotabulk.domain.outcomes import RunResult
from quotabulk.formats.reports import columns
from quotabulk.formats.reports.columns import extra_columns, inert, text_cells


def write_csv(result: RunResult, path: Path, delimiter: str = ";") -> None:
    extras = extra_columns(result.rows)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow([inert(name) for name in (*columns.keys(), *extras)])
        for row in result.rows:
            writer.writerow([inert(cell) for cell in text_cells(row, extras)])

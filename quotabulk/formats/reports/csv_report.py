"""The report as CSV: UTF-8 with BOM (Excel reads Cyrillic right), `;` by default, in
the report's language (a Russian one writes amounts `1500,00`, numbers Excel sums)."""

from __future__ import annotations

import csv
from pathlib import Path

from quotabulk.domain.language import Language
from quotabulk.domain.outcomes import RunResult
from quotabulk.formats.reports.columns import extra_columns, headers, inert, text_cells


def write_csv(result: RunResult, path: Path, lang: Language, delimiter: str = ";") -> None:
    extras = extra_columns(result.rows)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow([inert(name) for name in headers(lang, extras)])
        for row in result.rows:
            writer.writerow([inert(cell) for cell in text_cells(row, extras, lang)])

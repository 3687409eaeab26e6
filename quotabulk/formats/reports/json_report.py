"""The report as JSON: the same rows plus the summary, with a `format_version`."""

from __future__ import annotations

import json
from pathlib import Path

from quotabulk.domain.outcomes import RunResult
from quotabulk.formats.reports.columns import row_json
from quotabulk.formats.reports.meta import ReportMeta, summary

REPORT_FORMAT_VERSION = 1


def write_json(result: RunResult, path: Path, meta: ReportMeta) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(f'{{"format_version": {REPORT_FORMAT_VERSION}, "summary": ')
        json.dump(summary(result, meta), handle, ensure_ascii=False)
        handle.write(', "rows": [\n')
        for index, row in enumerate(result.rows):
            if index:
                handle.write(",\n")
            json.dump(row_json(row), handle, ensure_ascii=False)
        handle.write("\n]}\n")

"""The report as JSON: the same rows plus the summary, with a `format_version`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from quotabulk.domain.outcomes import RowResult, RunResult
from quotabulk.formats.reports.meta import ReportMeta, summary

REPORT_FORMAT_VERSION = 1


def row_json(row: RowResult) -> dict[str, Any]:
    return {
        "source": row.source,
        "msisdn": row.msisdn,
        "action": row.action,
        "before": None if row.before is None else row.before.to_json(),
        "after": None if row.after is None else row.after.to_json(),
        "request_id": row.request_id,
        "request_status": row.request_status,
        "outcome": row.outcome.value,
        "error": row.error,
        "extras": row.extras.as_dict(),
    }


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

"""Child process of the report benchmark: `python -m benchmarks.report_child WHO ROWS OUT`."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from quotabulk.domain.models import ActionKind, Extras, OnExceed, Quota
from quotabulk.domain.outcomes import Outcome, RowResult, RunResult, RunStatus
from quotabulk.formats.reports import ReportMeta, write_report

OUTCOMES = [Outcome.APPLIED, Outcome.UNCHANGED, Outcome.REJECTED, Outcome.PENDING]


def rows(count: int) -> list[RowResult]:
    return [
        RowResult(
            f"quotas.xlsx:Квоты:{i + 4}",
            f"7916{i:07d}",
            ActionKind.EDIT,
            Quota(Decimal(500 + i % 50 * 100)),
            Quota(Decimal(600 + i % 50 * 100), None, OnExceed.BLOCK),
            f"Z-2026-{i:07d}",
            "completed",
            OUTCOMES[i % 4],
            None,
            Extras(("ФИО", "Отдел"), (f"Сотрудник {i}", "Продажи")),
        )
        for i in range(count)
    ]


def bare(count: int, out: Path) -> None:
    """The floor: the same cells through xlsxwriter, no formats, no summary."""
    book = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    sheet = book.add_worksheet("results")
    for number, row in enumerate(rows(count), start=1):
        cells = [
            row.source,
            row.msisdn,
            row.action.value,
            str(row.before),
            str(row.after),
            row.request_id or "",
            row.request_status or "",
            row.outcome.value,
            "",
            *row.extras.values,
        ]
        for column, text in enumerate(cells):
            sheet.write_string(number, column, text)
    book.close()


def main() -> None:
    who, count, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    if who == "bare":
        bare(count, out)
        return
    result = RunResult(
        "bench",
        "ACC",
        "http://operator",
        ("quotas.xlsx",),
        "2026-11-26T12:00:00Z",
        "2026-11-26T12:10:00Z",
        RunStatus.FINISHED,
        rows(count),
    )
    write_report(result, out, ReportMeta("http://operator"))


if __name__ == "__main__":
    main()

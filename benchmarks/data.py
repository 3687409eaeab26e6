"""Input files for the benchmarks, generated once into benchmarks/data/ (ignored by git)."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

DATA = Path(__file__).resolve().parent / "data"
HEADER = ["ФИО", "Номер телефона", "Лимит, руб.", "Порог уведомления", "При превышении", "Отдел"]


def msisdn(i: int) -> str:
    return f"7916{i:07d}"


def quota_sheet(rows: int) -> Path:
    """A finance-style workbook of `rows` subscribers (numbers as floats, as Excel stores them)."""
    path = DATA / f"quotas-{rows}.xlsx"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.xlsx")
    workbook = xlsxwriter.Workbook(str(partial), {"constant_memory": True})
    sheet = workbook.add_worksheet("Квоты")
    sheet.write_row(0, 0, ["Лимиты мобильной связи"])
    sheet.write_row(2, 0, HEADER)
    for i in range(rows):
        limit = 500 + (i % 50) * 100
        sheet.write_row(
            3 + i,
            0,
            [
                f"Сотрудник {i}",
                float(msisdn(i)),
                float(limit),
                limit - 100,
                "блокировка",
                "Продажи",
            ],
        )
    workbook.close()
    partial.rename(path)
    return path

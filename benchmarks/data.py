"""Input files for the benchmarks, generated once into benchmarks/data/ (ignored by git)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import xlsxwriter

DATA = Path(__file__).resolve().parent / "data"
HEADER = ["ФИО", "Номер телефона", "Лимит, руб.", "Порог уведомления", "При превышении", "Отдел"]


def msisdn(i: int) -> str:
    return f"7916{i:07d}"


def quota_sheet(rows: int) -> Path:
    """A finance-style workbook of `rows` subscribers (numbers as floats, as Excel stores them)."""
    path = DATA / f"quotas-{rows}.xlsx"
    return _workbook(path, rows, lambda i: float(msisdn(i)), lambda limit, _: float(limit))


def _workbook(
    path: Path, rows: int, phone: Callable[[int], object], amount: Callable[[int, int], object]
) -> Path:
    """A title row, a blank row, the header, then `rows` subscribers; made once."""
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
        row = [f"Сотрудник {i}", phone(i), amount(limit, i), limit - 100, "блокировка", "Продажи"]
        sheet.write_row(3 + i, 0, row)
    workbook.close()
    partial.rename(path)
    return path


def _mixed_phone(i: int) -> object:
    """The ways a finance sheet holds one number: a float, +7 with spaces, 8 with brackets."""
    number = msisdn(i)
    match i % 4:
        case 0:
            return float(number)
        case 1:
            return f"+7 {number[1:4]} {number[4:7]}-{number[7:9]}-{number[9:]}"
        case 2:
            return f"8 ({number[1:4]}) {number[4:7]}-{number[7:]}"
        case _:
            return number


def _mixed_amount(limit: int, i: int) -> object:
    """A limit as typed by people: a number, `1 500,00`, `1 200 ₽`."""
    match i % 3:
        case 0:
            return float(limit)
        case 1:
            return f"{limit // 1000} {limit % 1000:03d},00" if limit >= 1000 else f"{limit},00"
        case _:
            return f"{limit} ₽"


def mixed_sheet(rows: int) -> Path:
    """The same subscribers as `quota_sheet`, with text amounts and phones in mixed
    formats: the path people's own workbooks take through the loader."""
    return _workbook(DATA / f"quotas-mixed-{rows}.xlsx", rows, _mixed_phone, _mixed_amount)


def quota_csv(rows: int) -> Path:
    """`rows` subscribers as a `;` CSV, phones and amounts as people type them."""
    path = DATA / f"quotas-{rows}.csv"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.csv")
    with partial.open("w", encoding="utf-8") as out:
        out.write(";".join(HEADER) + "\n")
        for i in range(rows):
            limit = 500 + (i % 50) * 100
            amount = _mixed_amount(limit, i)
            phone = _mixed_phone(i)
            out.write(
                f"Сотрудник {i};{phone if isinstance(phone, str) else msisdn(i)};"
                f"{amount if isinstance(amount, str) else limit};{limit - 100};блокировка;Продажи\n"
            )
    partial.rename(path)
    return path

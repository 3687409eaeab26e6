"""The report as the finance team reads it: in the sheet's order, with amounts to sum,
and printed by LibreOffice on A4 landscape with no text under 8 pt."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import CliResult
from tests.formats.test_office_files import SOFFICE, libreoffice, picture_of

# Carlito, which LibreOffice prints for xlsxwriter's default Calibri (metric-compatible),
# draws every digit 0.5068 em wide: a run of n digits n × 0.5068 × size points wide.
DIGIT_EM = 0.5068


def seed(cli: Callable[..., CliResult], tmp_path: Path, numbers: list[str]) -> None:
    current = tmp_path / "current.yaml"
    entries = "".join(f"  - {{msisdn: '{n}', limit: 500}}\n" for n in numbers)
    current.write_text(f"version: 1\nquotas:\n{entries}", encoding="utf-8")
    assert cli("sandbox", "seed", "--from", current).code == 0


def test_rows_come_in_sheet_order_with_invalid_and_skipped_rows_where_they_stand(
    cli: Callable[..., CliResult], text_file: Callable[..., Path], tmp_path: Path
) -> None:
    seed(cli, tmp_path, ["79161000001", "79161000002", "79161000003"])
    sheet = text_file(
        "квоты.csv",
        "Номер;Лимит\n"
        "79161000003;700\n"
        "12345;800\n"  # invalid, between two valid rows
        "79161000001;900\n"
        "Итого;1600\n"  # a total row: skipped where it stands
        "79161000002;500\n",  # unchanged
    )
    report = tmp_path / "report.csv"
    assert cli("apply", "--yes", "--skip-invalid", sheet, "--report", report).code == 3
    with report.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert [row["source"].rsplit(":", 1)[1] for row in rows] == ["2", "3", "4", "5", "6"]
    assert [row["outcome"] for row in rows] == [
        "applied",
        "invalid",
        "applied",
        "skipped",
        "unchanged",
    ]
    # Amounts to sum beside the readable ones: before, planned, after the run.
    first = rows[0]
    assert (first["limit_before"], first["limit_planned"], first["limit_now"]) == (
        "500.00",
        "700.00",
        "700.00",
    )
    assert rows[1]["limit_before"] == ""


def digit_sizes(words: list[tuple[float, float, str]]) -> list[float]:
    """Font sizes of the all-digit words of a page, from their printed widths."""
    return [(right - left) / (len(text) * DIGIT_EM) for left, right, text in words]


def page_words(bbox_html: str) -> list[list[tuple[float, float, str]]]:
    pages = bbox_html.split("<page ")[1:]
    found = []
    for page in pages:
        words = re.findall(
            r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)<', page
        )
        found.append([(float(left), float(right), text) for left, right, text in words])
    return found


@pytest.mark.slow
@pytest.mark.skipif(
    SOFFICE is None or shutil.which("pdftotext") is None,
    reason="`make test` installs libreoffice-calc-nogui and poppler-utils",
)
def test_a_hundred_row_report_prints_on_four_pages_with_no_text_under_8_pt(
    cli: Callable[..., CliResult],
    text_file: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A real month: names, departments, comments, a few invalid rows, a long reason."""
    monkeypatch.delenv("QUOTABULK_LANG")  # Russian, as the finance team reads it
    numbers = [f"7916300{n:04d}" for n in range(100)]
    seed(cli, tmp_path, numbers[:95])  # five numbers are not on the account
    lines = ["ФИО;Отдел;Номер;Лимит;Порог;Комментарий"]
    for n, number in enumerate(numbers):
        comment = "командировка до 15.12, лимит поднят по служебной записке" if n == 3 else ""
        lines.append(f"Сотрудник {n} Иванов;Отдел продаж;{number};{1000 + n},50;800;{comment}")
    text_file("декабрь.csv", "\n".join(lines) + "\n")
    monkeypatch.chdir(tmp_path)  # the file named as a user types it: `декабрь.csv`
    report = tmp_path / "отчёт.xlsx"
    assert cli("apply", "--yes", "--skip-invalid", "декабрь.csv", "--report", report).code == 3
    pdf = libreoffice(tmp_path, report, "pdf")
    bbox = tmp_path / "bbox.html"
    subprocess.run(["pdftotext", "-bbox", str(pdf), str(bbox)], check=True, capture_output=True)
    pages = page_words(bbox.read_text(encoding="utf-8"))
    results = [p for p in pages if any(text == "Источник" for *_, text in p)]
    assert 1 <= len(results) <= 4  # the summary sheet prints after them
    for page in results:  # the header on every page, every column on the first
        assert {"Источник", "Номер", "Итог", "Причина", "ФИО", "Комментарий"} <= {
            text for *_, text in page
        }
    digits = [w for page in results for w in page if re.fullmatch(r"[0-9]{6,}", w[2])]
    sizes = digit_sizes(digits)
    assert sizes
    assert min(sizes) >= 8.0, min(sizes)
    # Amounts to sum are in the workbook, though not on the printed page.
    book = openpyxl.load_workbook(report)
    sheet_rows = list(book["Результаты"].iter_rows(values_only=True))
    header = list(sheet_rows[0])
    planned = header.index("Лимит по плану")
    assert sum(row[planned] or 0 for row in sheet_rows[1:]) == sum(
        1000 + n + 0.5 for n in range(95)
    )
    picture_of(pdf, "report-100-rows-page-1")

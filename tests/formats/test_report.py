"""Reports of a mixed run, read back from real files in every format."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from quotabulk.engine.lock import Owner, acquire
from quotabulk.formats.reports import columns
from quotabulk.store.journal import Journal
from tests.conftest import EXAMPLES, CliResult
from tests.engine.test_apply import history

MIXED = (
    "ФИО;Номер;Лимит;Комментарий;Коэффициент;Табельный\n"
    'Анна;79161000005;700;=HYPERLINK("http://evil");1.5;0012\n'  # applied; formula-like
    "Борис;79161000004;3000;+спорно;2;0013\n"  # unchanged (already 3000)
    "Вера;79123456792;150000;@лимит;3;0014\n"  # rejected: above the account's ceiling
    "Глеб;123;5;-;4;0015\n"  # invalid
)
RU_HEADER = [
    "Источник",
    "Номер",
    "Действие",
    "Было",
    "Стало",
    "Номер заявки",
    "Статус заявки",
    "Итог",
    "Причина",
    "ФИО",
    "Комментарий",
    "Коэффициент",
    "Табельный",
    # Amounts to sum, after the inputs' own columns.
    "Лимит до",
    "Порог до",
    "Лимит по плану",
    "Порог по плану",
    "Лимит после",
    "Порог после",
]


@pytest.fixture(autouse=True)
def seeded(monkeypatch: pytest.MonkeyPatch, cli: Callable[..., CliResult]) -> None:
    monkeypatch.setenv("QUOTABULK_SANDBOX_PROCESSING_MS", "50")
    assert cli("sandbox", "seed", "--from", EXAMPLES / "current.yaml").code == 0


@pytest.fixture
def mixed(text_file: Callable[..., Path]) -> Path:
    return text_file("mixed.csv", MIXED)


def outcomes_by_row(rows: list[dict[str, str]], source: str = "source") -> dict[str, str]:
    return {
        row[source].rsplit(":", 1)[1]: row[key]
        for row in rows
        for key in ["outcome", "Итог"]
        if key in row
    }


EXPECTED = {"2": "applied", "3": "unchanged", "4": "rejected", "5": "invalid"}
EXPECTED_RU = {"2": "Применено", "3": "Без изменений", "4": "Отклонено", "5": "Ошибка в строке"}


def sheet_rows(sheet: Any) -> list[dict[str, Any]]:
    header = [cell.value for cell in sheet[1]]
    return [
        dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)
    ]


def test_xlsx_report_speaks_russian_by_default_and_prints(
    cli: Callable[..., CliResult], mixed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QUOTABULK_LANG")  # no language in the locale, as under cron: Russian
    report = tmp_path / "out" / "report.xlsx"
    result = cli("apply", "--yes", "--skip-invalid", mixed, "--report", report)
    assert result.code == 3
    book = openpyxl.load_workbook(report)
    assert book.sheetnames == ["Результаты", "Сводка"]
    results, summary = book["Результаты"], book["Сводка"]
    assert [cell.value for cell in results[1]] == RU_HEADER
    rows = sheet_rows(results)
    assert outcomes_by_row(rows, "Источник") == EXPECTED_RU
    rejected = next(r for r in rows if r["Итог"] == "Отклонено")
    assert "потолка" in rejected["Причина"]
    assert rejected["Номер заявки"].startswith("Z-")
    assert rejected["Статус заявки"] == "Отклонена"
    assert rejected["Было"] == "нет квоты"
    invalid = next(r for r in rows if r["Итог"] == "Ошибка в строке")
    assert "не российский номер из 11 цифр" in invalid["Причина"]  # the catalogue's words
    applied = next(r for r in rows if r["Итог"] == "Применено")
    assert (applied["Было"], applied["Стало"]) == (600, 700)  # amounts are numbers
    assert applied["Действие"] == "Изменить"
    # Extra columns keep their types: a number is a number, a personnel number stays text.
    assert (applied["Коэффициент"], applied["Табельный"]) == (1.5, "0012")
    amount_format = results.cell(row=2, column=4).number_format
    assert amount_format == "[$-419]#,##0.00\\ [$₽-419]"  # «600,00 ₽»; see the print test
    for row in results.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"  # nothing a user typed became a formula
    assert rows[0]["Комментарий"] == '=HYPERLINK("http://evil")'  # and nothing was lost
    # The whole row is tinted by its outcome, not only the outcome cell.
    assert {cell.fill.fgColor.rgb[-6:] for cell in results[2]} == {"C6EFCE"}
    assert {cell.fill.fgColor.rgb[-6:] for cell in results[4]} == {"FFC7CE"}
    # Made to print: landscape, one page wide, the header on every page, reasons wrap.
    assert results.freeze_panes == "A2"
    assert results.auto_filter.ref is not None
    assert results.page_setup.orientation == "landscape"
    assert results.sheet_properties.pageSetUpPr.fitToPage
    assert results.page_setup.fitToWidth in (None, 1)  # absent means 1 in OOXML
    assert results.page_setup.fitToHeight == 0  # as many pages tall as it takes
    assert results.print_title_rows == "$1:$1"
    assert results.cell(row=5, column=9).alignment.wrap_text
    facts = {row[0].value: row[1].value for row in summary.iter_rows() if row[0].value}
    assert facts["Лицевой счёт"] == "ACC-100200"
    assert facts["Состояние запуска"] == "завершён"
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d\xa0\(GMT\+03:00\)", facts["Конец"])  # Moscow
    counted = sum(v for k, v in facts.items() if str(k).startswith("Итог: "))
    assert counted == facts["Строк в отчёте"] == 4
    assert facts["Итог: Применено"] == 1
    # Money before and after: 600 + 3000 before; 700 + 3000 + 150000 planned; now the
    # rejected 150 000 ₽ is not there.
    assert facts["Сумма лимитов: было"] == 3600
    assert facts["Сумма лимитов: по плану"] == 153700
    assert facts["Сумма лимитов: стало"] == 3700
    # The amount columns are numbers that sum to the same totals.
    assert (applied["Лимит до"], applied["Лимит по плану"], applied["Лимит после"]) == (
        600,
        700,
        700,
    )
    for column, total in (("Лимит до", 3600), ("Лимит по плану", 153700), ("Лимит после", 3700)):
        assert sum(r[column] or 0 for r in rows) == total
    assert invalid["Лимит до"] is None  # an invalid row has no amounts
    # The printed page holds the readable columns; the amounts are for the screen.
    assert results.print_area is not None
    assert "$A$1:$M$" in results.print_area


def test_english_xlsx_report_on_request(
    cli: Callable[..., CliResult], mixed: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report.xlsx"
    assert (
        cli("apply", "--yes", "--skip-invalid", mixed, "--report", report, "--lang", "en").code == 3
    )
    book = openpyxl.load_workbook(report)
    assert book.sheetnames == ["results", "summary"]
    rows = sheet_rows(book["results"])
    assert [*rows[0]][:9] == [column.key for column in columns.COLUMNS]
    assert [*rows[0]][-6:] == [column.key for column in columns.AMOUNTS]
    assert outcomes_by_row(rows) == EXPECTED
    assert book["results"].cell(row=2, column=4).number_format == '#,##0.00" ₽"'


def test_quotabulk_lang_sets_the_language_and_refuses_others(
    cli: Callable[..., CliResult], mixed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUOTABULK_LANG", "en")
    assert cli("apply", "--yes", "--skip-invalid", mixed, "--report", tmp_path / "r.csv").code == 3
    assert (tmp_path / "r.csv").read_text("utf-8-sig").startswith("source;msisdn;")
    monkeypatch.setenv("QUOTABULK_LANG", "de")
    refused = cli("apply", "--yes", mixed, "--report", tmp_path / "r2.csv")
    assert refused.code == 1
    # Refused in the default language (the one asked for does not exist), naming both.
    assert "QUOTABULK_LANG должен быть ru или en (указано 'de')" in refused.err
    assert not (tmp_path / "r2.csv").exists()


def test_csv_report_in_russian_has_summable_amounts_a_bom_and_inert_formulas(
    cli: Callable[..., CliResult], mixed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QUOTABULK_LANG")  # no language in the locale, as under cron: Russian
    report = tmp_path / "report.csv"
    assert cli("apply", "--yes", "--skip-invalid", mixed, "--report", report).code == 3
    raw = report.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert [*rows[0]] == RU_HEADER
    assert outcomes_by_row(rows, "Источник") == EXPECTED_RU
    assert (rows[0]["Было"], rows[0]["Стало"]) == ("600,00", "700,00")
    comments = [row["Комментарий"] for row in rows]
    assert comments == ['\'=HYPERLINK("http://evil")', "'+спорно", "'@лимит", "'-"]


def test_csv_delimiter_option(cli: Callable[..., CliResult], mixed: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.csv"
    cli(
        "apply",
        "--yes",
        "--skip-invalid",
        mixed,
        "--report",
        report,
        "--csv-delimiter",
        ",",
        "--lang",
        "en",
    )
    lines = report.read_text("utf-8-sig").splitlines()
    assert lines[0].startswith("source,msisdn,action,before,after,")
    assert ",600.00,700.00," in lines[1]


def test_json_report_has_rows_summary_and_version(
    cli: Callable[..., CliResult], mixed: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    assert cli("apply", "--yes", "--skip-invalid", mixed, "--report", report).code == 3
    body = json.loads(report.read_text("utf-8"))
    assert body["format_version"] == 1
    assert outcomes_by_row(body["rows"]) == EXPECTED
    assert sum(body["summary"]["outcomes"].values()) == len(body["rows"]) == 4
    assert body["summary"]["actions"]["invalid"] == 1
    assert body["rows"][0]["extras"]["ФИО"] == "Анна"


def test_unknown_report_format_is_refused_before_sending(
    cli: Callable[..., CliResult], mixed: Path, tmp_path: Path, quotabulk_home: Path
) -> None:
    result = cli("apply", "--yes", mixed, "--report", tmp_path / "r.pdf")
    assert result.code == 1
    assert history(quotabulk_home) == []


def test_reconcile_writes_the_default_report_and_exits_0(
    cli: Callable[..., CliResult], quotabulk_home: Path
) -> None:
    result = cli("reconcile", EXAMPLES / "quotas.yaml")
    assert result.code == 0
    [report] = (quotabulk_home / "reports").iterdir()
    assert report.name.startswith("ACC-100200-")
    assert report.suffix == ".xlsx"
    # With JSON logs (reconcile's default) stderr carries nothing but JSON lines.
    log_lines = [json.loads(line) for line in result.err.splitlines()]
    assert {"event": "report written", "report": str(report)}.items() <= next(
        line for line in log_lines if line["event"] == "report written"
    ).items()
    finished = next(line for line in log_lines if line["event"] == "reconcile finished")
    assert finished["exit_code"] == 0
    assert finished["applied"] == 4
    sent = [line for line in log_lines if line["event"] == "request sent"]
    assert len(sent) == 4
    assert all(
        line["run_id"] and line["msisdn"] and line["request_id"] and line["source"] for line in sent
    )


def test_reconcile_dry_run_reports_drift_and_sends_nothing(
    cli: Callable[..., CliResult], quotabulk_home: Path, tmp_path: Path
) -> None:
    report = tmp_path / "drift.json"
    result = cli(
        "reconcile",
        "--dry-run",
        *[EXAMPLES / "quotas.yaml", EXAMPLES / "quotas.csv"],
        "--report",
        report,
    )
    assert result.code == 3
    assert history(quotabulk_home) == []
    body = json.loads(report.read_text("utf-8"))
    assert body["summary"]["note"] == "dry run: nothing was sent"
    assert body["summary"]["outcomes"]["skipped"] == 6
    assert body["summary"]["outcomes"]["unchanged"] == 2


def test_reconcile_with_invalid_input_exits_1_and_still_reports(
    cli: Callable[..., CliResult],
    text_file: Callable[..., Path],
    tmp_path: Path,
    quotabulk_home: Path,
) -> None:
    sheet = text_file("bad.csv", "Номер;Лимит\n79161000005;700\n79161000006;\n")
    report = tmp_path / "bad.json"
    result = cli("reconcile", sheet, "--report", report)
    assert result.code == 1
    body = json.loads(report.read_text("utf-8"))
    assert outcomes_by_row(body["rows"]) == {"2": "skipped", "3": "invalid"}
    assert history(quotabulk_home) == []


def test_reconcile_locked_exits_4_with_a_report(
    cli: Callable[..., CliResult],
    quotabulk_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("QUOTABULK_LANG")  # no language in the locale, as under cron: Russian
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        journal = Journal(quotabulk_home / "journal.db")
        acquire(
            journal, "ACC-100200", "apply by hand", Owner(os.uname().nodename, holder.pid, None)
        )
        journal.close()
        report = tmp_path / "locked.json"
        result = cli("reconcile", EXAMPLES / "quotas.yaml", "--report", report)
        xlsx = cli("reconcile", EXAMPLES / "quotas.yaml", "--report", tmp_path / "locked.xlsx")
        assert xlsx.code == 4
    finally:
        holder.kill()
        holder.wait()
    assert result.code == 4
    body = json.loads(report.read_text("utf-8"))
    assert {row["outcome"] for row in body["rows"]} == {"skipped"}
    assert "another run holds the lock" in body["rows"][0]["error"]
    # The spreadsheet does not pretend these subscribers have no quota: it never looked.
    sheet = openpyxl.load_workbook(tmp_path / "locked.xlsx")["Результаты"]
    rows = sheet_rows(sheet)
    assert {(row["Было"], row["Стало"], row["Итог"]) for row in rows} == {
        ("не прочитано", None, "Пропущено")
    }


def test_a_derived_column_is_one_entry_and_every_format_has_it(
    cli: Callable[..., CliResult], mixed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What issue 10 promised the next engineer: one `Column`, three formats."""
    monkeypatch.delenv("QUOTABULK_LANG")  # no language in the locale, as under cron: Russian
    sent = columns.Column(
        "sent",
        lambda row, _lang: "yes" if row.request_id else "no",
        lambda row: row.request_id is not None,
    )
    monkeypatch.setattr(columns, "COLUMNS", (*columns.COLUMNS, sent))
    result = cli("apply", "--yes", "--skip-invalid", mixed, "--report", tmp_path / "r.json")
    run_id = json.loads(result.out)["run_id"] if result.out.startswith("{") else None
    body = json.loads((tmp_path / "r.json").read_text("utf-8"))
    assert {row["sent"] for row in body["rows"]} == {True, False}
    shown = run_id or body["summary"]["run_id"]
    assert cli("show", shown, "--report", tmp_path / "r.csv", "--lang", "en").code == 0
    header = (tmp_path / "r.csv").read_text("utf-8-sig").splitlines()[0].split(";")
    assert header[: len(columns.COLUMNS)] == [column.key for column in columns.COLUMNS]
    assert header[9] == "sent"
    assert cli("show", shown, "--report", tmp_path / "r.xlsx").code == 0
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx")["Результаты"]
    assert [cell.value for cell in sheet[1]][9] == "sent"

"""Never guess with money: workbooks made the way finance teams make them — formulas,
merged two-row headers, a sheet per department, formats, hidden rows, a second account —
saved by LibreOffice, then applied to the sandbox. Each test asserts what the operator
holds afterwards: exactly what the sheet shows, or nothing changed and exit 1."""

from __future__ import annotations

import csv
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES, CliResult, built_workbook
from tests.formats.test_office_files import SOFFICE, libreoffice

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SOFFICE is None, reason="`make test` installs libreoffice-calc-nogui"),
]

Held = dict[str, tuple[Decimal | None, Decimal | None]]
# What examples/current.yaml seeds for the numbers these tests write.
BEFORE: Held = {
    "79161000001": (Decimal(1500), Decimal(1200)),
    "79161000002": (Decimal(1000), None),
    "79161000004": (Decimal(3000), Decimal(2500)),
    "79161000005": (Decimal(600), None),
}


def held(cli: Callable[..., CliResult], tmp_path: Path) -> Held:
    """The sandbox's quotas of the numbers above: (limit, threshold), read by `export`."""
    out = tmp_path / "held.csv"
    assert cli("export", "--out", out).code == 0
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    found: Held = {}
    for row in rows:
        if row["Номер"] in BEFORE:
            limit = Decimal(row["Лимит"]) if row["Лимит"] else None
            warn = Decimal(row["Порог уведомления"]) if row["Порог уведомления"] else None
            found[row["Номер"]] = (limit, warn)
    return found


@pytest.fixture
def seeded(cli: Callable[..., CliResult]) -> None:
    assert cli("sandbox", "seed", "--from", EXAMPLES / "current.yaml").code == 0


def saved_as(tmp_path: Path, source: Path, kind: str) -> Path:
    """`source` opened and saved again by LibreOffice as `kind` (formulas computed)."""
    return libreoffice(tmp_path, source, kind)


def _limits(book: Any) -> None:
    sheet = book.active
    sheet.title = "Лимиты"
    sheet.append(["Телефон", "Лимит", "Порог"])
    sheet.append(["79161000001", 2000, "=#REF!"])  # what a deleted sheet leaves behind
    sheet.append(["79161000005", 900, 700])


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_an_error_cell_stops_the_row_and_never_reads_as_empty(
    tmp_path: Path, kind: str, cli: Callable[..., CliResult]
) -> None:
    source = built_workbook(tmp_path / "ошибки.xlsx", _limits)
    saved = saved_as(tmp_path, source, kind)
    strict = cli("apply", "--yes", saved)
    assert strict.code == 1
    assert "Лимиты!C2: the cell shows the error #REF!" in strict.err
    assert "delete" not in strict.err  # never the hint meant for an empty limit
    assert held(cli, tmp_path) == BEFORE  # nothing sent
    report = tmp_path / "report.csv"
    skipping = cli("apply", "--yes", "--skip-invalid", saved, "--report", report)
    assert skipping.code == 3  # the run finished, and the report names the invalid row
    after = held(cli, tmp_path)
    assert after["79161000001"] == BEFORE["79161000001"]  # its threshold kept, not removed
    assert after["79161000005"] == (Decimal(900), Decimal(700))


@pytest.mark.usefixtures("seeded")
def test_a_formula_without_a_saved_value_asks_to_open_and_save(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    # Written by a program (openpyxl), never opened in an office suite: no values saved.
    unsaved = built_workbook(tmp_path / "скрипт.xlsx", _limits)
    result = cli("apply", "--yes", unsaved)
    assert result.code == 1
    assert "Лимиты!C2: a formula without a saved value; open the file" in result.err
    assert held(cli, tmp_path) == BEFORE


def _two_row_header(unit: str) -> Callable[[Any], None]:
    def build(book: Any) -> None:
        sheet = book.active
        sheet.title = "Лимиты"
        sheet.append(["Квоты на декабрь"])
        sheet.merge_cells("A1:D1")  # a title row, merged across: not part of the header
        sheet.append(["ФИО", "Телефон", "Лимит", None])
        sheet.append([None, None, "сумма, руб.", unit])
        sheet.merge_cells("C2:D2")
        sheet.merge_cells("A2:A3")
        sheet.merge_cells("B2:B3")
        sheet.append(["Анна", "79161000001", 2000, 1600])
        sheet.append(["Вера", "79161000005", 900, 0])

    return build


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_a_merged_two_row_header_manages_the_threshold_under_it(
    tmp_path: Path, kind: str, cli: Callable[..., CliResult]
) -> None:
    source = built_workbook(tmp_path / "шапка.xlsx", _two_row_header("порог, руб."))
    saved = saved_as(tmp_path, source, kind)
    checked = cli("validate", saved)
    assert checked.code == 0, checked.err
    assert checked.out == "2 rows read, all valid.\n"  # the sub-header row is no data row
    assert cli("apply", "--yes", saved).code == 0
    after = held(cli, tmp_path)
    assert after["79161000001"] == (Decimal(2000), Decimal(1600))
    assert after["79161000005"] == (Decimal(900), Decimal(0))


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_a_merged_header_in_percent_stops_the_run(
    tmp_path: Path, kind: str, cli: Callable[..., CliResult]
) -> None:
    source = built_workbook(tmp_path / "проценты.xlsx", _two_row_header("порог, %"))
    result = cli("apply", "--yes", saved_as(tmp_path, source, kind))
    assert result.code == 1
    assert "column «Лимит / порог, %» is in percent" in result.err
    assert held(cli, tmp_path) == BEFORE


def _departments(book: Any) -> None:
    sales = book.active
    sales.title = "Продажи"
    sales.append(["Телефон", "Лимит"])
    sales.append(["79161000001", 2100])
    store = book.create_sheet("Склад")
    store.append(["Телефон", "Лимит на месяц"])
    store.append(["79161000005", 950])
    notes = book.create_sheet("Инструкция")
    notes.append(["Заполните лимиты в рублях."])


@pytest.mark.usefixtures("seeded")
def test_a_department_sheet_with_an_unknown_limit_header_stops_until_mapped(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    saved = saved_as(tmp_path, built_workbook(tmp_path / "отделы.xlsx", _departments), "xlsx")
    stopped = cli("apply", "--yes", saved)
    assert stopped.code == 1
    assert "sheet «Склад» has phone numbers but no limit column" in stopped.err
    assert "the closest is «Лимит на месяц»" in stopped.err
    assert held(cli, tmp_path) == BEFORE
    mapping = tmp_path / "склад.yaml"
    mapping.write_text('sheets: {Склад: {columns: {limit: "Лимит на месяц"}}}\n', "utf-8")
    applied = cli("apply", "--yes", "--columns", mapping, saved)
    assert applied.code == 0, applied.err
    assert "sheet «Инструкция» skipped: it has no phone numbers" in applied.err
    after = held(cli, tmp_path)
    assert after["79161000001"][0] == Decimal(2100)  # the other sheet still reads
    assert after["79161000005"][0] == Decimal(950)


def _formatted(book: Any) -> None:
    sheet = book.active
    sheet.title = "Лимиты"
    sheet.append(["Телефон", "Лимит", "Порог"])
    sheet.append(["79161000001", 2000, 0.8])
    sheet["C2"].number_format = "0%"  # Excel shows «80%»
    sheet.append(["79161000005", 45000, 100])
    sheet["B3"].number_format = "DD.MM.YYYY"  # shows a date
    sheet.append(["79161000004", 1.5, None])
    sheet["B4"].number_format = '0.0" тыс."'
    sheet.append(["79161000002", 1200, None])
    sheet["B5"].number_format = '#,##0.00" ₽"'  # rubles: fine


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_a_money_cell_formatted_as_percent_date_or_thousands_is_refused(
    tmp_path: Path, kind: str, cli: Callable[..., CliResult]
) -> None:
    saved = saved_as(tmp_path, built_workbook(tmp_path / "форматы.xlsx", _formatted), kind)
    result = cli("apply", "--yes", "--skip-invalid", saved)
    assert result.code == 3
    said = result.out + result.err  # the run's lines name each invalid row
    assert "Лимиты!C2: the cell shows «80%» (a percent format)" in said
    assert "Лимиты!B3: the cell shows «15.03.2023» (a date format)" in said
    assert "Лимиты!B4: the cell shows «1" in said  # «1,5 тыс.» or «1.5 тыс.»
    after = held(cli, tmp_path)
    for msisdn in ("79161000001", "79161000005", "79161000004"):
        assert after[msisdn] == BEFORE[msisdn]
    assert after["79161000002"][0] == Decimal(1200)  # the currency format is rubles


def _hidden(by_filter: bool) -> Callable[[Any], None]:
    def build(book: Any) -> None:
        sheet = book.active
        sheet.title = "Лимиты"
        sheet.append(["Телефон", "Лимит", "Статус"])
        sheet.append(["79161000001", 2200, "работает"])
        sheet.append(["79161000004", 2600, "уволен, строка скрыта"])
        sheet.append(["79161000005", 990, "работает"])
        sheet.row_dimensions[3].hidden = True
        if by_filter:
            sheet.auto_filter.ref = "A1:C4"

    return build


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("by_filter", [False, True], ids=["by-hand", "by-filter"])
def test_hidden_rows_stop_the_run_until_the_user_decides(
    tmp_path: Path, by_filter: bool, cli: Callable[..., CliResult]
) -> None:
    saved = saved_as(
        tmp_path, built_workbook(tmp_path / "скрытые.xlsx", _hidden(by_filter)), "xlsx"
    )
    stopped = cli("apply", "--yes", saved)
    assert stopped.code == 1
    assert "row 3 of sheet «Лимиты» is hidden" in stopped.err
    assert "--hidden read" in stopped.err
    assert held(cli, tmp_path) == BEFORE
    report = tmp_path / "report.csv"
    skipped = cli("apply", "--yes", "--hidden", "skip", saved, "--report", report)
    assert skipped.code == 0, skipped.err
    after = held(cli, tmp_path)
    assert after["79161000004"] == BEFORE["79161000004"]  # the hidden row: not applied
    assert after["79161000001"][0] == Decimal(2200)
    assert after["79161000005"][0] == Decimal(990)
    text = report.read_text("utf-8-sig")
    assert "скрытая строка" in text
    read = cli("apply", "--yes", "--hidden", "read", saved)
    assert read.code == 0, read.err
    assert held(cli, tmp_path)["79161000004"][0] == Decimal(2600)


def _accounts(book: Any) -> None:
    sheet = book.active
    sheet.title = "Лимиты"
    sheet.append(["Лицевой счёт", "Телефон", "Лимит"])
    sheet.append(["ACC-100200", "79161000001", 2300])
    sheet.append(["ACC-300400", "79169999999", 500])  # another account's number


@pytest.mark.usefixtures("seeded")
def test_a_row_of_another_account_is_that_accounts_never_this_ones(
    tmp_path: Path, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = saved_as(tmp_path, built_workbook(tmp_path / "счета.xlsx", _accounts), "xlsx")
    # Both accounts are run: the embedded sandbox has no ACC-300400, so its row fails
    # with why — never "not a subscriber of this account" — and the other is applied.
    report = tmp_path / "both.csv"
    both = cli("apply", "--yes", saved, "--report", report)
    assert both.code == 3, both.err
    text = report.read_text("utf-8-sig")
    assert "has no account ACC-300400" in text
    assert "not a subscriber" not in text
    assert held(cli, tmp_path)["79161000001"][0] == Decimal(2300)
    # QUOTABULK_ACCOUNT restricts the command to one account: the other's rows are
    # skipped and named.
    monkeypatch.setenv("QUOTABULK_ACCOUNT", "ACC-100200")
    report = tmp_path / "one.csv"
    one = cli("apply", "--yes", saved, "--report", report)
    assert one.code == 0, one.err
    assert "1 row of account ACC-300400 skipped" in one.err
    assert "другой лицевой счёт ACC-300400" in report.read_text("utf-8-sig")


@pytest.mark.usefixtures("seeded")
def test_a_limit_beside_a_delete_mark_is_an_invalid_row(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    def build(book: Any) -> None:
        sheet = book.active
        sheet.append(["Телефон", "Лимит", "Действие"])
        sheet.append(["79161000001", 1500, "удалить"])

    saved = saved_as(tmp_path, built_workbook(tmp_path / "удалить.xlsx", build), "xlsx")
    result = cli("apply", "--yes", saved)
    assert result.code == 1
    assert "says «удалить» but also gives an amount in «Лимит»" in result.err
    assert held(cli, tmp_path) == BEFORE


def _merged_down(book: Any) -> None:
    sheet = book.active
    sheet.title = "Лимиты"
    sheet.append(["Телефон", "Лимит", "Порог"])
    sheet.append(["79161000001", 2000, 800])
    sheet.append(["79161000004", 3000, None])
    sheet.merge_cells("C2:C3")  # one threshold shown for two people


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_a_value_merged_over_two_rows_is_never_none_on_the_second(
    tmp_path: Path, kind: str, cli: Callable[..., CliResult]
) -> None:
    """The second row shows 800 but holds nothing: read as it is held, its threshold
    would be removed (2500 → none) while the run said success."""
    saved = saved_as(tmp_path, built_workbook(tmp_path / "слияние.xlsx", _merged_down), kind)
    strict = cli("apply", "--yes", saved)
    assert strict.code == 1
    assert "Лимиты!C3 lies inside the merged cell Лимиты!C2:C3" in strict.err
    assert held(cli, tmp_path) == BEFORE
    skipping = cli("apply", "--yes", "--skip-invalid", saved)
    assert skipping.code == 3
    after = held(cli, tmp_path)
    assert after["79161000004"] == BEFORE["79161000004"]  # its threshold kept
    assert after["79161000001"] == (Decimal(2000), Decimal(800))

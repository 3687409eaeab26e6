"""Periods in every input format: «Действует с» / «Действует по» (and their aliases) as
date cells, as 01.12.2026 or 2026-12-01 text, YAML's `from:` / `until:`; a number in a
date column, an end before its start and overlapping periods are invalid rows naming
their cells."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import xlsxwriter

from quotabulk.formats.inputs import LoadOptions, load_inputs
from tests.formats.test_office_files import SOFFICE, libreoffice

MSISDN = "79123456789"


def _held(path: Path, on: date) -> list[tuple[str, str]]:
    loaded = load_inputs([path], LoadOptions(day=on), [path.name])
    assert not loaded.invalid, [r.message for r in loaded.invalid]
    return [(r.source, f"{r.limit}") for r in loaded.rows]


def test_a_csv_period_in_either_date_writing(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text(
        f"Номер;Лимит;С;По\n{MSISDN};1000;;\n{MSISDN};5000;01.12.2026;2026-12-15\n",
        encoding="utf-8",
    )
    assert _held(path, date(2026, 11, 30)) == [("q.csv:2", "1000.00")]
    assert _held(path, date(2026, 12, 1)) == [("q.csv:3", "5000.00")]
    assert _held(path, date(2026, 12, 15)) == [("q.csv:3", "5000.00")]
    assert _held(path, date(2026, 12, 16)) == [("q.csv:2", "1000.00")]
    loaded = load_inputs([path], LoadOptions(day=date(2026, 11, 30)), [path.name])
    [ahead] = loaded.skipped
    assert (ahead.source, ahead.scheduled) == ("q.csv:3", date(2026, 12, 1))


def test_yaml_from_and_until_as_dates_or_text(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text(
        "version: 1\nquotas:\n"
        f"  - {{msisdn: '{MSISDN}', limit: 1000}}\n"
        f"  - {{msisdn: '{MSISDN}', limit: 5000, from: 2026-12-01, until: '15.12.2026'}}\n"
        "  - {msisdn: '79123456790', delete: true}\n"
        "  - {msisdn: '79123456790', limit: 700, from: 2026-12-10}\n",
        encoding="utf-8",
    )
    assert _held(path, date(2026, 12, 5)) == [("q.yaml:4", "5000.00"), ("q.yaml:5", "None")]
    assert _held(path, date(2026, 12, 20)) == [("q.yaml:3", "1000.00"), ("q.yaml:6", "700.00")]
    loaded = load_inputs([path], LoadOptions(day=date(2026, 12, 5)), [path.name])
    assert not any(key in loaded.rows[0].extras.columns for key in ("from", "until"))


def test_a_number_in_a_date_column_and_a_backwards_period_name_their_cells(
    tmp_path: Path,
) -> None:
    path = tmp_path / "q.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Лимиты")
    for column, title in enumerate(["Номер", "Лимит", "Действует с", "Действует по"]):
        sheet.write(0, column, title)
    sheet.write_row(1, 0, [MSISDN, 1000])
    sheet.write_row(2, 0, [MSISDN, 5000, 46357, 46371])  # serial numbers, not dates
    sheet.write_row(3, 0, ["79123456790", 700])
    shown = book.add_format({"num_format": "dd.mm.yyyy"})
    sheet.write_row(5, 0, ["79123456791", 300])
    sheet.write_datetime(6, 2, date(2026, 12, 20), shown)
    sheet.write_datetime(6, 3, date(2026, 12, 10), shown)
    sheet.write_row(6, 0, ["79123456791", 400])
    book.close()
    loaded = load_inputs([path], LoadOptions(day=date(2026, 12, 1)), [path.name])
    said = {r.source: r.message for r in loaded.invalid}
    assert "Действует с: '46357' is not a date" in said["q.xlsx:Лимиты:3"]
    assert (
        "Действует по: the period ends (10.12.2026) before it starts (20.12.2026)"
        in said["q.xlsx:Лимиты:7"]
    )


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="`make test` installs libreoffice-calc-nogui")
@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_date_cells_of_a_sheet_saved_by_libreoffice(tmp_path: Path, kind: str) -> None:
    source = tmp_path / "периоды.csv"
    source.write_text(
        "Телефон;Лимит, руб.;Дата начала;Дата окончания\n"
        f"{MSISDN};1000;;\n"
        f"{MSISDN};5000;01.12.2026;15.12.2026\n",
        encoding="utf-8",
    )
    # Typed in Calc: the phone as text, the days read as DD.MM.YYYY dates.
    made = libreoffice(tmp_path, source, kind, "--infilter=CSV:59,34,76,1,1/2/2/1/3/4/4/4")
    on_trip = load_inputs([made], LoadOptions(day=date(2026, 12, 10)))
    assert not on_trip.invalid, [r.message for r in on_trip.invalid]
    assert [(r.limit, r.valid_from, r.valid_until) for r in on_trip.rows] == [
        (5000, date(2026, 12, 1), date(2026, 12, 15))
    ]
    back = load_inputs([made], LoadOptions(day=date(2026, 12, 16)))
    assert [r.limit for r in back.rows] == [1000]


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="`make test` installs libreoffice-calc-nogui")
def test_an_error_in_a_period_cell_is_never_read_as_no_period(tmp_path: Path) -> None:
    """«Действует по» showing #DIV/0! would read as empty: the trip would become the
    number's standing quota. The row is invalid instead, naming the cell (a strict run
    sends nothing)."""
    source = tmp_path / "ошибка.csv"
    source.write_text(
        "Телефон;Лимит, руб.;Дата начала;Дата окончания\n"
        f"{MSISDN};1000;;\n"
        f"{MSISDN};5000;01.12.2026;=1/0\n",
        encoding="utf-8",
    )
    made = libreoffice(tmp_path, source, "xlsx", "--infilter=CSV:59,34,76,1,1/2/2/1/3/4/4/4")
    loaded = load_inputs([made], LoadOptions(day=date(2026, 12, 10)), [made.name])
    said = {r.source.rsplit(":", 1)[1]: r.message for r in loaded.invalid}
    assert "D3" in said["3"]
    assert "#DIV/0!" in said["3"]
    # The standing row beside it is held back too: with --skip-invalid it must not be
    # sent alone, as if the trip did not exist.
    assert not loaded.rows
    assert "another row of" in said["2"]


def test_a_broken_period_holds_back_its_numbers_standing_row(tmp_path: Path) -> None:
    """A trip row whose end is not a date: which row holds during the trip is in doubt,
    so the number's standing row is invalid too; the other numbers are untouched."""
    source = tmp_path / "командировки.csv"
    source.write_text(
        "Телефон;Лимит;Действует с;Действует по\n"
        f"{MSISDN};1000;;\n"
        f"{MSISDN};5000;01.12.2026;32.12.2026\n"
        "79123456790;300;;\n",
        encoding="utf-8",
    )
    loaded = load_inputs([source], LoadOptions(day=date(2026, 12, 10)))
    assert [r.msisdn for r in loaded.rows] == ["79123456790"]
    said = {r.source.rsplit(":", 1)[1]: r.message for r in loaded.invalid}
    assert "is not a date" in said["3"]
    assert f"another row of {MSISDN} has a problem with its period" in said["2"]

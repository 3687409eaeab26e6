"""The reading rules of the never-guess work, one by one, on workbooks made in the test
(the LibreOffice-saved versions are in `test_never_guess.py`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from quotabulk.domain.errors import ConfigError, InputError
from quotabulk.formats.inputs import LoadOptions, load_inputs, prescan
from quotabulk.formats.inputs.cells import ranges
from quotabulk.formats.inputs.facts import Merge
from quotabulk.formats.inputs.mapping import Hidden, read_mapping_file
from quotabulk.formats.inputs.numformats import FormatKind, classify, shown
from tests.conftest import EXAMPLES, CliResult, built_workbook


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("0%", FormatKind.PERCENT),
        ("0.00%", FormatKind.PERCENT),
        ("dd\\.mm\\.yyyy", FormatKind.DATE),
        ("[$-419]DD.MM.YYYY", FormatKind.DATE),
        ("[h]:mm", FormatKind.DATE),
        ('0.0" тыс."', FormatKind.SCALED),
        ("#,##0,", FormatKind.SCALED),
        ('#,##0.00" ₽"', None),
        ("[$-419]#,##0.00\\ [$₽-419]", None),
        ("#,##0", None),
        ("General", None),
        ("0.00E+00", None),
        ('"Итого: "0', None),
    ],
)
def test_a_format_is_refused_only_when_it_shows_no_rubles(
    code: str, kind: FormatKind | None
) -> None:
    assert classify(code) is kind


def test_what_a_format_shows_is_worked_out_as_a_spreadsheet_does() -> None:
    assert shown("0%", FormatKind.PERCENT, 0.8) == "80%"
    assert shown("0.0%", FormatKind.PERCENT, 0.125) == "12,5%"
    assert shown('0.0" тыс."', FormatKind.SCALED, 1.5) == "1,5 тыс."
    assert shown("#,##0,", FormatKind.SCALED, 2500) == "3"
    assert shown("DD.MM.YYYY", FormatKind.DATE, 45000.0) == "15.03.2023"


def test_hidden_rows_are_named_as_ranges() -> None:
    assert ranges([12, 11, 13, 15]) == "11–13, 15"
    assert ranges([4]) == "4"


def test_a_mapping_adds_composed_labels_and_ignores_them_too(tmp_path: Path) -> None:
    def build(made: Any) -> None:
        sheet = made.active
        sheet.title = "Лимиты"
        sheet.append(["Телефон", "Квота", None, None])
        sheet.append([None, "в месяц", "сигнал", "коэффициент"])
        sheet.merge_cells("B1:D1")
        sheet.append(["79161000005", 900, 700, 2])

    workbook = built_workbook(tmp_path / "блок.xlsx", build)
    # «Квота / сигнал» is no known threshold: named by its composed label in the mapping.
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        'columns: {warn_at: "Квота / сигнал"}\nignore: ["Квота / коэффициент"]\n', "utf-8"
    )
    loaded = load_inputs([workbook], LoadOptions.of(read_mapping_file(mapping)))
    [row] = loaded.rows
    assert (row.limit, row.warn_at) == (Decimal(900), Decimal(700))
    assert not any("not managed" in str(n) for n in loaded.notices)  # ignored on purpose


def test_a_mapped_column_wins_over_a_built_in_match_on_its_sheet(tmp_path: Path) -> None:
    def build(made: Any) -> None:
        sales = made.active
        sales.title = "Продажи"
        sales.append(["Телефон", "Лимит"])
        sales.append(["79161000001", 2100])
        store = made.create_sheet("Склад")
        store.append(["Телефон", "Лимит", "Лимит на месяц"])  # the old limit beside the new
        store.append(["79161000005", 100, 950])

    workbook = built_workbook(tmp_path / "отделы.xlsx", build)
    mapping = tmp_path / "map.yaml"
    mapping.write_text('sheets: {Склад: {columns: {limit: "Лимит на месяц"}}}\n', "utf-8")
    loaded = load_inputs([workbook], LoadOptions.of(read_mapping_file(mapping)))
    assert {row.msisdn: row.limit for row in loaded.rows} == {
        "79161000001": Decimal(2100),  # the other sheet keeps the built-in names
        "79161000005": Decimal(950),
    }
    assert any("Склад: not managed: «Лимит»" in str(n) for n in loaded.notices)


def test_a_sheet_left_out_by_the_mapping_is_named(tmp_path: Path) -> None:
    def build(made: Any) -> None:
        made.active.title = "Квоты"
        made.active.append(["Телефон", "Лимит"])
        made.active.append(["79161000001", 2100])
        other = made.create_sheet("Черновик")
        other.append(["Телефон", "Сколько"])
        other.append(["79161000002", 5])

    workbook = built_workbook(tmp_path / "черновик.xlsx", build)
    with pytest.raises(InputError, match="the closest is «Сколько»"):
        load_inputs([workbook])  # a number beside the phones is the closest candidate
    mapping = tmp_path / "map.yaml"
    mapping.write_text("sheets: {Черновик: skip}\nhidden: skip\n", "utf-8")
    rules = read_mapping_file(mapping)
    assert rules.hidden is Hidden.SKIP
    loaded = load_inputs([workbook], LoadOptions.of(rules))
    assert [row.msisdn for row in loaded.rows] == ["79161000001"]
    assert f"{workbook}: sheet «Черновик» left out, as the mapping file says" in [
        str(n) for n in loaded.notices
    ]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("sheets: [Склад]\n", "'sheets' must give each sheet"),
        ("sheets: {Склад: {limit: X}}\n", "'sheets' must give each sheet"),
        ("hidden: maybe\n", "'hidden' must be read or skip"),
        ("columns: {budget: X}\n", "unknown field 'budget'"),
    ],
)
def test_a_mapping_file_that_cannot_be_followed_is_refused(
    tmp_path: Path, text: str, words: str
) -> None:
    mapping = tmp_path / "map.yaml"
    mapping.write_text(text, "utf-8")
    with pytest.raises(ConfigError, match=words):
        read_mapping_file(mapping)


def test_a_hidden_managed_column_stops_and_under_skip_is_not_managed(tmp_path: Path) -> None:
    def build(made: Any) -> None:
        sheet = made.active
        sheet.title = "Лимиты"
        sheet.append(["Телефон", "Лимит", "Порог"])
        sheet.append(["79161000005", 900, 700])
        sheet.column_dimensions["C"].hidden = True

    workbook = built_workbook(tmp_path / "столбец.xlsx", build)
    with pytest.raises(InputError, match=r"managed column «Порог» \(C\) of sheet «Лимиты»"):
        load_inputs([workbook])
    skipped = load_inputs([workbook], LoadOptions(hidden=Hidden.SKIP))
    [row] = skipped.rows
    assert not row.manages_warn_at  # the hidden threshold is left as the operator has it
    read = load_inputs([workbook], LoadOptions(hidden=Hidden.READ))
    assert read.rows[0].warn_at == Decimal(700)


def test_an_xlsb_workbook_is_refused_with_the_way_out(tmp_path: Path) -> None:
    path = tmp_path / "квоты.xlsb"
    path.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(InputError, match=r"save it as \.xlsx"):
        load_inputs([path])


def test_a_hidden_row_left_out_still_counts_as_mentioned_for_prune(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    """`--hidden skip` leaves a row out; `--prune` must not then delete its quota as one
    no row mentions."""
    assert cli("sandbox", "seed", "--from", EXAMPLES / "current.yaml").code == 0

    def build(made: Any) -> None:
        sheet = made.active
        sheet.title = "Лимиты"
        sheet.append(["Телефон", "Лимит"])
        sheet.append(["79161000005", 600])
        sheet.append(["79161000004", 3000])
        sheet.row_dimensions[3].hidden = True

    workbook = built_workbook(tmp_path / "скрыта.xlsx", build)
    planned = cli("plan", "--prune", "--max-deletes", "100", "--hidden", "skip", workbook)
    assert planned.code == 0, planned.err
    assert "- 79161000004" not in planned.out  # kept: a row mentions it, hidden or not
    assert "- 79161000001" in planned.out  # pruned: no row mentions it


def test_merges_are_read_however_long_the_list_after_the_rows() -> None:
    """The pre-scan reads a sheet a megabyte at a time and looks for merges only after
    the rows: the header's merge is found first among 4 000 others (~130 KB of
    `<mergeCell>` after the rows, in one chunk with them)."""
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>79160000000</v></c><c r="B%d"><v>900</v></c></row>' % (n, n, n)
        for n in range(3, 3003)
    )
    merges = b'<mergeCell ref="B1:C1"/>' + b"".join(
        b'<mergeCell ref="D%d:E%d"/>' % (n, n) for n in range(3, 4003)
    )
    xml = b"<worksheet><sheetData>" + rows + b"</sheetData><mergeCells>" + merges
    xml += b"</mergeCells></worksheet>"
    scan = prescan.FactScan({})
    prescan.sheet_extent(iter([xml]), scan)
    assert Merge(1, 1, 1, 2) in scan.facts.merges
    assert len(scan.facts.merges) == 4001


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Моб.;Лимит\n79161000001;100\n", "phone numbers under «Моб.» (row 1), which is not"),
        ("Номер;Сколько\n79161000001;100\n", "the closest is «Сколько»"),
    ],
)
def test_a_table_of_phone_numbers_that_reads_as_none_says_what_it_lacks(
    text_file: Callable[..., Path], text: str, words: str
) -> None:
    with pytest.raises(InputError, match=re.escape(words)):
        load_inputs([text_file("q.csv", text)])

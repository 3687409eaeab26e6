from __future__ import annotations

import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from quotabulk.domain.errors import InputError
from quotabulk.domain.models import OnExceed, RowAction
from quotabulk.formats.inputs import LoadOptions, excel, load_inputs
from quotabulk.formats.inputs.mapping import read_mapping_file
from tests.conftest import EXAMPLES

HEADER = ["ФИО", "Номер телефона", "Лимит, руб.", "Порог уведомления", "При превышении"]


def test_finance_workbook_reads_as_its_authors_meant() -> None:
    loaded = load_inputs([EXAMPLES / "finance_workbook.xlsx"])
    assert [row.limit for row in loaded.rows if row.limit is not None] == [
        Decimal(v) for v in ("1800", "1800", "5000", "2100", "880")
    ]
    sources = [row.source.split(":", 1)[1] for row in loaded.rows]
    assert sources == [
        "Отдел продаж:5",
        "Отдел продаж:6",
        "Отдел продаж:7",
        "Отдел продаж:8",
        "Бухгалтерия:5",
        "Бухгалтерия:6",
    ]
    deletion = loaded.rows[3]
    assert (deletion.msisdn, deletion.action) == ("79035551204", RowAction.DELETE)
    assert loaded.rows[0].extras.as_dict()["Базовый лимит"] == "1500"  # next to the limit, not it
    assert not loaded.invalid
    workbook = EXAMPLES / "finance_workbook.xlsx"
    unmanaged = "not managed: «ФИО», «Должность», «Базовый лимит», «Коэффициент»"
    assert [str(n) for n in loaded.notices] == [
        f"{workbook}:Отдел продаж: {unmanaged}",
        f"{workbook}:Отдел продаж: hidden column «Должность», not managed",
        f"{workbook}:Бухгалтерия: {unmanaged}",
        f"{workbook}:Бухгалтерия: hidden column «Должность», not managed",
        f"{workbook}: sheet «Инструкция» skipped: it has no phone numbers",
    ]


def test_header_is_found_below_title_rows_and_blank_rows_are_skipped(
    xlsx: Callable[..., Path],
) -> None:
    path = xlsx(
        {
            "Лист1": [
                ["Квоты на январь"],
                [],
                ["Утверждено: ..."],
                HEADER,
                ["Иванов", "+7 916 100-00-01", "1 500,00", "1 200", "блокировка"],
                [None, None, None, None, None],
                ["Петров", 79161000002.0, 1200.0, None, "личный счёт"],
            ]
        }
    )
    loaded = load_inputs([path])
    assert [(r.source.rsplit(":", 1)[1], r.msisdn) for r in loaded.rows] == [
        ("5", "79161000001"),
        ("7", "79161000002"),
    ]
    assert loaded.rows[0].warn_at == Decimal("1200.00")
    assert loaded.rows[1].on_exceed is OnExceed.PERSONAL
    assert loaded.rows[1].warn_at is None
    assert loaded.rows[1].manages_warn_at


def test_float_noise_is_rounded_to_kopecks_but_real_fractions_are_errors(
    xlsx: Callable[..., Path],
) -> None:
    path = xlsx({"s": [["msisdn", "limit"], ["79161000001", 0.1 * 7000], ["79161000002", 10.005]]})
    loaded = load_inputs([path])
    assert loaded.rows[0].limit == Decimal("700.00")
    [bad] = loaded.invalid
    assert bad.source.endswith(":s:3")
    assert bad.problems[0].column == "limit"
    assert "more than two decimals" in bad.problems[0].message


def test_formula_cells_count_by_their_saved_value() -> None:
    # The sample's «Лимит, руб.» cells are formulas (=Базовый*Коэффициент) saved by LibreOffice.
    loaded = load_inputs([EXAMPLES / "finance_workbook.xlsx"], LoadOptions(sheets=("Бухгалтерия",)))
    assert [row.limit for row in loaded.rows] == [Decimal("2100"), Decimal("880")]


def test_a_missing_sheet_without_header_is_an_error_when_picked() -> None:
    with pytest.raises(InputError, match="no header row"):
        load_inputs([EXAMPLES / "finance_workbook.xlsx"], LoadOptions(sheets=("Инструкция",)))
    with pytest.raises(InputError, match="has no sheet «Склад»"):
        load_inputs([EXAMPLES / "finance_workbook.xlsx"], LoadOptions(sheets=("Склад",)))


def test_workbook_without_any_header_is_an_error(xlsx: Callable[..., Path]) -> None:
    path = xlsx({"Notes": [["Just notes"]], "Other": [["ФИО", "Базовый лимит"], ["x", 1]]})
    with pytest.raises(InputError, match="no sheet has a header row"):
        load_inputs([path])


def test_sheet_with_header_but_no_rows_is_an_error(xlsx: Callable[..., Path]) -> None:
    with pytest.raises(InputError, match="no data rows"):
        load_inputs([xlsx({"s": [HEADER]})])


def test_a_file_that_is_not_a_workbook_gets_one_sentence(tmp_path: Path) -> None:
    fake = tmp_path / "quotas.xlsx"
    fake.write_text("Номер;Лимит\n79161000001;100\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"is not a \.xlsx workbook"):
        load_inputs([fake])


def test_a_zip_that_unpacks_too_far_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(excel, "MAX_UNPACKED_BYTES", 8 * 1024 * 1024)  # the real one is 1.5 GB
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (16 * 1024 * 1024))
    assert bomb.stat().st_size < 100_000
    with pytest.raises(InputError, match="too large"):
        load_inputs([bomb])


def test_mapping_file_overrides_and_matches_exactly(
    xlsx: Callable[..., Path], text_file: Callable[..., Path]
) -> None:
    mapping = text_file("m.yaml", 'msisdn: "Телефон сотрудника"\nlimit: [Лимит на месяц]\n')
    path = xlsx({"s": [["Телефон сотрудника", "Лимит", "Лимит на месяц"], ["89161000001", 1, 2]]})
    loaded = load_inputs([path], LoadOptions.of(read_mapping_file(mapping)))
    assert loaded.rows[0].limit == Decimal(2)
    assert loaded.rows[0].extras.as_dict() == {"Лимит": "1"}


def test_two_columns_for_one_field_are_ambiguous(xlsx: Callable[..., Path]) -> None:
    path = xlsx({"s": [["Номер", "phone", "Лимит"], ["89161000001", "89161000001", 1]]})
    with pytest.raises(InputError, match="both look like msisdn"):
        load_inputs([path])


def test_every_problem_of_every_row_is_collected(xlsx: Callable[..., Path]) -> None:
    path = xlsx(
        {
            "s": [
                ["Номер", "Лимит", "Порог", "Действие"],
                ["123", "", "", ""],
                ["89161000002", "1 5OO", "100", "стереть"],
                ["89161000003", 100, 200, ""],
            ]
        }
    )
    loaded = load_inputs([path])
    messages = {(p.source.rsplit(":", 1)[1], p.column) for r in loaded.invalid for p in r.problems}
    assert messages == {
        ("2", "Номер"),
        ("2", "Лимит"),
        ("3", "Лимит"),
        ("3", "Действие"),
        ("4", "Порог"),
    }
    empty = next(
        p
        for r in loaded.invalid
        for p in r.problems
        if p.source.endswith(":2") and p.column == "Лимит"
    )
    assert "never deletes" in empty.message
    assert "«удалить»" in empty.message


def test_a_password_protected_workbook_is_named_as_such(tmp_path: Path) -> None:
    """Excel saves an encrypted .xlsx as an OLE container with an `EncryptedPackage`
    stream: the user is told about the password, not that the file is no workbook."""
    locked = tmp_path / "locked.xlsx"
    header = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504)
    locked.write_bytes(header + "EncryptedPackage".encode("utf-16-le") + bytes(2048))
    with pytest.raises(InputError, match="protected by a password"):
        load_inputs([locked])

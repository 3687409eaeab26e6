from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from quotabulk.domain.errors import InputError
from quotabulk.formats.inputs import load_inputs
from tests.conftest import EXAMPLES

ROWS = "Номер;Лимит;Комментарий\n+7 916 100-00-01;1 500,50;склад\n89161000002;700;\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
def test_encodings_excel_users_save(text_file: Callable[..., Path], encoding: str) -> None:
    loaded = load_inputs([text_file("q.csv", ROWS, encoding)])
    assert [(r.msisdn, r.limit) for r in loaded.rows] == [
        ("79161000001", Decimal("1500.50")),
        ("79161000002", Decimal("700")),
    ]
    assert loaded.rows[0].extras.as_dict() == {"Комментарий": "склад"}


def test_comma_separated_with_quoted_decimal_commas(text_file: Callable[..., Path]) -> None:
    text = 'title line\nmsisdn,limit,warn_at\n79161000001,"1 500,50",1000\n'
    [row] = load_inputs([text_file("q.csv", text)]).rows
    assert (row.limit, row.warn_at, row.source.endswith("q.csv:3")) == (
        Decimal("1500.50"),
        Decimal(1000),
        True,
    )


def test_example_csv_has_a_title_row_and_a_blank_row() -> None:
    loaded = load_inputs([EXAMPLES / "quotas.csv"])
    assert [r.source.rsplit(":", 1)[1] for r in loaded.rows] == ["3", "4", "5", "7"]
    assert not loaded.invalid


def test_a_workbook_renamed_to_csv_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "q.csv"
    fake.write_bytes((EXAMPLES / "finance_workbook.xlsx").read_bytes())
    with pytest.raises(InputError, match="binary file, not CSV"):
        load_inputs([fake])


def test_csv_without_header_is_an_error(text_file: Callable[..., Path]) -> None:
    with pytest.raises(InputError, match="no header row"):
        load_inputs([text_file("q.csv", "a;b\n1;2\n")])


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown kind"):
        load_inputs([tmp_path / "q.txt"])
    with pytest.raises(InputError, match="does not exist"):
        load_inputs([tmp_path / "q.csv"])


def test_repeated_texts_of_the_users_columns_are_held_once(text_file: Callable[..., Path]) -> None:
    # A million rows of «Продажи» held as a million strings were 88 MB of the 1 GB budget.
    lines = [f"7916100{i:04d};500;Сотрудник {i};Продажи" for i in range(30)]
    sheet = text_file("q.csv", "Номер;Лимит;ФИО;Отдел\n" + "\n".join(lines) + "\n")
    rows = load_inputs([sheet]).rows
    departments = {id(row.extras.values[1]) for row in rows}
    assert [row.extras.as_dict()["Отдел"] for row in rows] == ["Продажи"] * 30
    assert len(departments) == 1
    assert len({row.extras.values[0] for row in rows}) == 30  # names stay what they were


def test_rows_of_a_table_without_extra_columns_share_one_extras(
    text_file: Callable[..., Path],
) -> None:
    sheet = text_file("q.csv", "Номер;Лимит\n79161000001;500\n79161000002;600\n")
    first, second = load_inputs([sheet]).rows
    assert first.extras is second.extras
    assert first.extras.as_dict() == {}

"""The headers an accountant writes: units, punctuation and case do not count; a column
that looks like a threshold is never silently ignored; a total row is not an error."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotabulk.domain.errors import InputError
from quotabulk.domain.models import OnExceed
from quotabulk.formats.inputs import LoadOptions, load_inputs
from quotabulk.formats.inputs.columns import ColumnAliases, Field
from quotabulk.formats.inputs.mapping import read_mapping_file
from tests.conftest import EXAMPLES, CliResult


def test_natural_headers_with_units_are_recognised(text_file: Callable[..., Path]) -> None:
    sheet = text_file(
        "q.csv",
        "Номер телефона;Лимит, руб.;Порог уведомления, руб.;При превышении лимита\n"
        "+7 916 100-00-05;900;700;личный счёт\n",
    )
    [row] = load_inputs([sheet]).rows
    assert (row.msisdn, row.limit, row.warn_at) == ("79161000005", 900, 700)
    assert row.manages_warn_at
    assert row.on_exceed is OnExceed.PERSONAL


@pytest.mark.parametrize("limit", ["Лимит, руб", "ЛИМИТ (₽)", "лимит", "Лимит руб.", "Limit, RUB"])
def test_a_money_unit_case_and_punctuation_do_not_count(
    text_file: Callable[..., Path], limit: str
) -> None:
    [row] = load_inputs([text_file("q.csv", f"Телефон;{limit}\n79161000005;900\n")]).rows
    assert row.limit == 900


@given(
    st.sampled_from(["Лимит", "Порог уведомления", "Номер телефона", "При превышении"]),
    st.sampled_from(["", ", руб.", " (руб)", " руб", " ₽", ", rub", ":", "  "]),
    st.sampled_from([str.lower, str.upper, str.title, lambda s: s]),
)
def test_any_spelling_of_an_alias_reads_as_its_field(
    alias: str, unit: str, case: Callable[[str], str]
) -> None:
    aliases = ColumnAliases()
    assert aliases.field_of(case(alias + unit)) == aliases.field_of(alias) is not None


def test_a_label_must_equal_an_alias_as_a_whole(text_file: Callable[..., Path]) -> None:
    sheet = text_file("q.csv", "Телефон;Базовый лимит;Лимит\n79161000005;1;900\n")
    [row] = load_inputs([sheet]).rows
    assert row.limit == 900
    assert row.extras.as_dict() == {"Базовый лимит": "1"}


def test_a_threshold_under_an_unknown_header_stops_with_both_ways_out(
    text_file: Callable[..., Path], tmp_path: Path
) -> None:
    text = "Телефон;Лимит;Порог срабатывания, ₽\n79161000005;900;800\n"
    sheet = text_file("q.csv", text)
    with pytest.raises(InputError) as caught:
        load_inputs([sheet])
    assert caught.value.location == f"{sheet}:1"
    assert "«Порог срабатывания, ₽» looks like warn_at" in caught.value.message
    assert "--columns" in caught.value.message
    assert "ignore:" in caught.value.message
    mapped = tmp_path / "map.yaml"
    mapped.write_text('warn_at: "Порог срабатывания"\n', encoding="utf-8")
    options = LoadOptions.of(read_mapping_file(mapped))
    assert load_inputs([sheet], options).rows[0].warn_at == 800
    ignored = tmp_path / "ignore.yaml"
    ignored.write_text('ignore: ["Порог срабатывания"]\n', encoding="utf-8")
    options = LoadOptions.of(read_mapping_file(ignored))
    loaded = load_inputs([sheet], options)
    assert not loaded.rows[0].manages_warn_at
    assert not any("not managed" in notice for notice in map(str, loaded.notices))


def test_a_money_field_in_percent_is_an_error_not_rubles(text_file: Callable[..., Path]) -> None:
    sheet = text_file("q.csv", "Телефон;Лимит;Порог, %\n79161000005;900;80\n")
    with pytest.raises(InputError, match="«Порог, %» is in percent"):
        load_inputs([sheet])


def test_a_total_row_is_skipped_and_named_not_an_error(text_file: Callable[..., Path]) -> None:
    sheet = text_file("q.csv", "ФИО;Телефон;Лимит\nАнна;79161000005;900\nИтого:;;900\n;;\n")
    loaded = load_inputs([sheet])
    assert not loaded.invalid
    [skipped] = loaded.skipped
    assert (skipped.source, skipped.reason) == (f"{sheet}:3", "строка итогов")
    assert f"{sheet}:3: a total row («строка итогов»), skipped" in [str(n) for n in loaded.notices]
    assert f"{sheet}: not managed: «ФИО»" in [str(n) for n in loaded.notices]


def test_a_header_not_found_lists_the_rows_it_saw(text_file: Callable[..., Path]) -> None:
    sheet = text_file("q.csv", "Отчёт за ноябрь\nСотрудник;Сумма\nАнна;900\n")
    with pytest.raises(InputError) as caught:
        load_inputs([sheet])
    assert "rows seen: 1: «Отчёт за ноябрь»; 2: «Сотрудник», «Сумма»" in str(caught.value.message)


def test_the_total_row_is_in_the_report_as_skipped(
    cli: Callable[..., CliResult], text_file: Callable[..., Path], tmp_path: Path
) -> None:
    assert cli("sandbox", "seed", "--from", EXAMPLES / "current.yaml").code == 0
    sheet = text_file("q.csv", "Телефон;Лимит\n79161000005;600\nИтого;600\n")
    checked = cli("validate", sheet)
    assert checked.code == 0, checked.out + checked.err
    assert "a total row" in checked.err
    report = tmp_path / "r.json"
    applied = cli("apply", "--yes", sheet, "--report", report)
    assert applied.code == 0, applied.err
    rows = {r["source"]: r for r in json.loads(report.read_text("utf-8"))["rows"]}
    assert rows[f"{sheet}:3"]["outcome"] == "skipped"
    assert rows[f"{sheet}:3"]["error"] == "строка итогов"
    assert rows[f"{sheet}:2"]["outcome"] in ("applied", "unchanged")


def test_validate_names_the_columns_it_leaves_alone(
    cli: Callable[..., CliResult], text_file: Callable[..., Path]
) -> None:
    sheet = text_file("q.csv", "ФИО;Телефон;Лимит;Комментарий\nАнна;79161000005;900;склад\n")
    checked = cli("validate", sheet)
    assert checked.code == 0
    assert "not managed: «ФИО», «Комментарий»" in checked.err


def test_fields_are_the_eight_documented() -> None:
    expected = ["msisdn", "limit", "warn_at", "on_exceed", "action", "account", "from", "until"]
    assert [f.value for f in Field] == expected


def test_counts_are_of_rows_not_of_problems(
    cli: Callable[..., CliResult], text_file: Callable[..., Path]
) -> None:
    assert cli("sandbox", "seed", "--from", EXAMPLES / "current.yaml").code == 0
    # One row with two problems, one row with one: two rows.
    sheet = text_file("q.csv", "Телефон;Лимит;Порог\n123;abc;5\n79161000005;1O0;\n79161000004;5;\n")
    strict = cli("plan", sheet)
    assert strict.code == 1
    assert "Error: 2 input rows are invalid" in strict.err
    skipping = cli("plan", sheet, "--skip-invalid")
    assert skipping.code == 0
    assert "2 invalid rows are skipped (--skip-invalid)." in skipping.err

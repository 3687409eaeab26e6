"""Every row message the loaders and the planner can produce is in the catalogue, with
a code and Russian words — found by feeding them bad rows, fixed and generated."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from quotabulk.domain.models import InvalidRow
from quotabulk.domain.plan import PlanOptions, plan
from quotabulk.domain.state import state_from_rows
from quotabulk.formats.inputs import load_inputs
from quotabulk.formats.language import Language
from quotabulk.formats.messages import CATALOGUE, code_of, render, render_line
from tests.conftest import EXAMPLES

BAD_SHEET = (
    "Номер;Лимит;Порог;При превышении;Действие\n"
    "79161000005;abc;;;\n"
    "79161000006;-5;;;\n"
    "79161000007;99999999999;;;\n"
    "79161000008;1.234;;;\n"
    ";100;;;\n"
    "phone;100;;;\n"
    "12345;100;;;\n"
    "79161000009;100;200;;\n"
    "79161000010;100;;сразу;\n"
    "79161000011;100;;;стереть\n"
    "79161000012;;;;\n"
    "79161000013;100;;;\n"
    "79161000013;100;;;\n"
    "79161000013;100;;;\n"
)


def problems_of(invalid: list[InvalidRow]) -> list[str]:
    return [p.message for row in invalid for p in row.problems]


def test_every_message_of_a_bad_sheet_has_a_code_and_russian_words(
    text_file: Callable[..., Path],
) -> None:
    loaded = load_inputs([text_file("bad.csv", BAD_SHEET)])
    messages = problems_of(loaded.invalid)
    assert len(messages) >= 12
    for message in messages:
        assert code_of(message) is not None, message
        russian = render(message, Language.RU)
        assert russian != message, message
        assert " is " not in russian, russian
    shown = {render(m, Language.RU) for m in messages}
    assert "'abc' — не сумма в рублях" in shown
    assert "порог 200 выше лимита 100" in shown
    assert any("записан 3 раза" in text for text in shown)  # the plural form of «раз»


def test_the_planners_messages_are_known_too(text_file: Callable[..., Path]) -> None:
    current = state_from_rows(load_inputs([EXAMPLES / "current.yaml"]).rows)
    sheet = text_file("p.csv", "Номер;Лимит\n79990000000;100\n")
    planned = plan(load_inputs([sheet]).rows, current, PlanOptions())
    [message] = [p.message for row in planned.problems for p in row.problems]
    assert render(message, Language.RU) == "79990000000 — не абонент этого лицевого счёта"


def test_a_journaled_line_of_problems_is_rendered_piece_by_piece() -> None:
    line = (
        "Номер: '123' is not a Russian number of 11 digits (7XXXXXXXXXX); "
        "Лимит: the limit is empty; an empty limit never deletes a quota, "
        "mark the row with action «delete»"
    )
    assert render_line(line, Language.RU) == (
        "Номер: '123' — не российский номер из 11 цифр (7XXXXXXXXXX); "
        "Лимит: лимит не указан; пустой лимит никогда не удаляет квоту — отметьте строку "
        "действием «удалить»"
    )
    assert render_line(line, Language.EN) == line
    assert render_line("something new", Language.RU) == "something new"  # never lost


def test_codes_are_unique() -> None:
    codes = [entry.code for entry in CATALOGUE]
    assert len(codes) == len(set(codes))


@given(
    phone=st.text(max_size=14),
    limit=st.one_of(st.text(max_size=12), st.decimals(allow_nan=False, places=3).map(str)),
)
def test_any_cell_a_user_may_type_gets_a_known_message(phone: str, limit: str) -> None:
    """Whatever is typed in the phone and limit cells, a problem is one the catalogue
    knows: the console never shows a Russian user a message it cannot translate."""
    from quotabulk.formats.inputs.columns import Field
    from quotabulk.formats.inputs.rows import RawRow, RowShape, build_row

    shape = RowShape({Field.MSISDN: "Номер", Field.LIMIT: "Лимит"})
    row = build_row("f.csv:2", RawRow(phone, limit), shape)
    if isinstance(row, InvalidRow):
        for problem in row.problems:
            assert code_of(problem.message) is not None, problem.message


def test_whole_file_messages_a_console_user_meets_are_known(
    text_file: Callable[..., Path], tmp_path: Path
) -> None:
    from quotabulk.domain.errors import InputError
    from quotabulk.formats.inputs import load_inputs as load

    files = {
        "no-header.csv": "Привет;мир\n1;2\n",
        "empty.csv": "Номер;Лимит\n",
        "порог.csv": "Номер;Лимит;Порог срабатывания\n79161000005;700;500\n",
    }
    messages = []
    for name, text in files.items():
        try:
            load([text_file(name, text)])
        except InputError as exc:
            messages.append(exc.message)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"PK\x03\x04\x00\x00binary")
    try:
        load([binary])
    except InputError as exc:
        messages.append(exc.message)
    assert len(messages) == 4
    for message in messages:
        assert code_of(message) is not None, message
    russian = [render(m, Language.RU) for m in messages]
    assert "в первых" in russian[0]
    assert "в начале: строка 1: «Привет», «мир»" in russian[0]
    assert "нет ни одной строки с данными" in russian[1]
    assert "столбец «Порог срабатывания» похож на warn_at" in russian[2]
    assert "двоичный файл" in russian[3]

"""Every row message the loaders and the planner can produce is in the catalogue, with
a code and Russian words — found by feeding them bad rows, fixed and generated."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from quotabulk.domain.language import Language
from quotabulk.domain.models import InvalidRow
from quotabulk.domain.plan import PlanOptions, plan
from quotabulk.domain.state import state_from_rows
from quotabulk.formats.inputs import load_inputs
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


YAML_FAULTS = {
    "list.yaml": "- a\n- b\n",
    "unknown-key.yaml": "version: 1\nquotas: [{msisdn: '79161000005', limit: 1}]\nowner: me\n",
    "version.yaml": "version: 2\nquotas: [{msisdn: '79161000005', limit: 1}]\n",
    "no-list.yaml": "version: 1\nquotas: 5\n",
    "empty-list.yaml": "version: 1\nquotas: []\n",
    "defaults-scalar.yaml": "version: 1\ndefaults: 5\nquotas: [{msisdn: '79161000005'}]\n",
    "defaults-key.yaml": "version: 1\ndefaults: {limit: 5}\nquotas: [{msisdn: '79161000005'}]\n",
    "defaults-exceed.yaml": (
        "version: 1\ndefaults: {on_exceed: later}\nquotas: [{msisdn: '79161000005'}]\n"
    ),
    "defaults-warn.yaml": (
        "version: 1\ndefaults: {warn_at: abc}\nquotas: [{msisdn: '79161000005'}]\n"
    ),
    "syntax.yaml": "version: 1\nquotas:\n  - msisdn: [\n",
    "bomb.yaml": "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}' if i else 'x'] * 10)}]\n" for i in range(10)
    ),
}

# Whole-file messages no file on a test machine produces (an unreadable file as root,
# a 1.5 GB workbook): their words, as the code writes them.
WRITTEN_ONLY = [
    "q.csv: cannot be read: Permission denied",
    "big.xlsx: unpacks to 2000 MB, too large for a quota list",
    "q.xlsx:Лист1: cannot be read (unexpected end of stream)",
    "deep.yaml: is nested too deeply to be a quota document",  # PyYAML refuses it first
]


def _file_error(paths: list[Path], sheets: tuple[str, ...] = ()) -> str:
    from quotabulk.domain.errors import InputError
    from quotabulk.formats.inputs import LoadOptions
    from quotabulk.formats.inputs import load_inputs as load

    try:
        load(paths, LoadOptions(sheets=sheets))
    except InputError as exc:
        return exc.message
    raise AssertionError(f"{paths} loaded without an error")


def test_every_whole_file_error_and_notice_has_russian_words(
    text_file: Callable[..., Path], tmp_path: Path
) -> None:
    """Each one produced by a real file, as a console user would upload it."""
    messages = [_file_error([text_file(name, text)]) for name, text in YAML_FAULTS.items()]
    cp1251 = tmp_path / "cp1251.yaml"
    cp1251.write_bytes("version: 1 # квоты\n".encode("cp1251"))
    not_a_zip = tmp_path / "renamed.xlsx"
    not_a_zip.write_text("Номер;Лимит\n79161000005;100\n", encoding="utf-8")
    garbage_xls = tmp_path / "old.xls"
    garbage_xls.write_bytes(b"\x00garbage, not a workbook" * 20)
    accounts = [
        text_file(
            f"{name}.yaml",
            f"version: 1\naccount: {name}\nquotas: [{{msisdn: '7916100000{i}', limit: 1}}]\n",
        )
        for i, name in enumerate(("ACC-1", "ACC-2"))
    ]
    messages += [
        _file_error([cp1251]),
        _file_error([not_a_zip]),
        _file_error([garbage_xls]),
        _file_error([text_file("notes.txt", "hello\n")]),
        _file_error([text_file("wide.csv", "Номер;Лимит\n" + "7" * 140_000 + ";1\n")]),
        _file_error([EXAMPLES / "finance_workbook.xlsx"], sheets=("Итоги 2027",)),
        _file_error(accounts),
        *load_inputs([EXAMPLES / "finance_workbook.xlsx"]).notices,
        *load_inputs([text_file("total.csv", "Номер;Лимит\n79161000005;100\nИтого;100\n")]).notices,
        *WRITTEN_ONLY,
    ]
    assert len(messages) == len(YAML_FAULTS) + 11 + len(WRITTEN_ONLY)
    codes = [code_of(message) for message in messages]
    assert None not in codes, [m for m, c in zip(messages, codes, strict=True) if c is None]
    assert len(set(codes)) == len(codes) - 1  # each its own entry; two sheets not managed
    for message in messages:
        russian = render(message, Language.RU)
        assert russian != message, message
        # Russian from the first word after `where:` (a library's own detail may follow).
        assert re.match(r"[«`а-яё]", russian.split(": ", 1)[1], re.IGNORECASE), russian
    shown = {render(m, Language.RU) for m in messages}
    warn = "defaults-warn.yaml: `defaults: warn_at`: 'abc' — не сумма в рублях"
    assert any(text.endswith(warn) for text in shown)  # the amount's own message, in Russian
    assert any("syntax.yaml: ошибка в YAML в строке" in text for text in shown)
    assert any(text.endswith("total.csv:3: строка итогов, пропущена") for text in shown)
    assert (
        f"{EXAMPLES / 'finance_workbook.xlsx'}: на листе «Инструкция» нет строки заголовков, "
        "лист пропущен"
    ) in shown

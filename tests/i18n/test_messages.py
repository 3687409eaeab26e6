"""Every problem and notice quotabulk can say about an input is a catalogue code with
parts — never English to be parsed back — and has words in every language: found by
feeding the loaders and the planner bad rows and bad files, as a user would upload them."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from quotabulk.domain import messages as said
from quotabulk.domain.errors import InputError
from quotabulk.domain.language import Language
from quotabulk.domain.messages import KINDS, Text
from quotabulk.domain.models import InvalidRow
from quotabulk.domain.plan import PlanOptions, plan
from quotabulk.domain.state import state_from_rows
from quotabulk.formats.inputs import LoadOptions, load_inputs
from quotabulk.i18n import say, translations
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


def texts_of(invalid: list[InvalidRow]) -> list[Text]:
    found = [p.text for row in invalid for p in row.problems]
    assert all(isinstance(text, Text) for text in found), found
    return [text for text in found if isinstance(text, Text)]


def assert_russian(text: Text) -> str:
    russian = say(text, Language.RU)
    assert russian != str(text), text
    # The words are the catalogue's, not English (a library's own detail may be English).
    template = translations(Language.RU).gettext(text.kind.singular)
    assert template != text.kind.singular, text
    assert " is " not in template, template
    assert " the " not in template, template
    return russian


def test_every_problem_of_a_bad_sheet_is_a_code_with_russian_words(
    text_file: Callable[..., Path],
) -> None:
    loaded = load_inputs([text_file("bad.csv", BAD_SHEET)])
    texts = texts_of(loaded.invalid)
    assert len({text.code for text in texts}) >= 11
    shown = {assert_russian(text) for text in texts}
    assert "'abc' — не сумма в рублях" in shown
    assert "порог 200 выше лимита 100" in shown
    assert "79161000013 записан 3 раза: впервые здесь; оставьте одну строку" in shown
    # The English is the code's own template, for JSON outputs and scripts.
    assert "the threshold 200 is above the limit 100" in {str(text) for text in texts}


def test_russian_counts_agree_with_their_number() -> None:
    forms = {
        n: say(said.WRITTEN_TWICE(msisdn="7", n=n, first="a.csv:2"), Language.RU)
        for n in (2, 5, 11, 21, 22)
    }
    assert [forms[n].split(",")[0] for n in (2, 5, 11, 22)] == [
        "7 записан 2 раза",
        "7 записан 5 раз",
        "7 записан 11 раз",
        "7 записан 22 раза",
    ]
    one = say(said.NOT_MANAGED(where="f.csv", columns="«ФИО»", n=1), Language.RU)
    many = say(said.NOT_MANAGED(where="f.csv", columns="«ФИО», «Отдел»", n=2), Language.RU)
    assert one == "f.csv: столбец «ФИО» не меняет квот, он только попадёт в отчёт"
    assert many.startswith("f.csv: столбцы «ФИО», «Отдел» не меняют квот")


def test_the_planners_problems_are_codes_too(text_file: Callable[..., Path]) -> None:
    current = state_from_rows(load_inputs([EXAMPLES / "current.yaml"]).rows)
    sheet = text_file("p.csv", "Номер;Лимит\n79990000000;100\n")
    planned = plan(load_inputs([sheet]).rows, current, PlanOptions())
    [text] = texts_of(list(planned.problems))
    assert text.code == said.NOT_A_SUBSCRIBER.code
    assert say(text, Language.RU) == "79990000000 — не абонент этого лицевого счёта"
    assert str(text) == "79990000000 is not a subscriber of this account"


def test_a_text_survives_json_as_the_journal_keeps_it() -> None:
    from decimal import Decimal

    inner = said.NOT_AN_AMOUNT(value="'abc'")
    text = said.DEFAULTS_WARN_AT(detail=inner)
    assert Text.from_json(text.to_json()) == text
    amounts = said.THRESHOLD_ABOVE(warn=Decimal("1200.50"), limit=Decimal("1000.00"))
    back = Text.from_json(amounts.to_json())
    assert say(back, Language.RU) == "порог 1\u00a0200,5 выше лимита 1\u00a0000"
    assert str(back) == "the threshold 1200.50 is above the limit 1000"


def test_a_code_this_quotabulk_does_not_know_is_shown_not_lost() -> None:
    text = Text("QB999", (("value", "x"),))
    assert "QB999" in say(text, Language.RU)
    assert "x" in str(text)


@given(
    phone=st.text(max_size=14),
    limit=st.one_of(st.text(max_size=12), st.decimals(allow_nan=False, places=3).map(str)),
)
def test_any_cell_a_user_may_type_gets_a_catalogued_problem(phone: str, limit: str) -> None:
    """Whatever is typed in the phone and limit cells, a problem is a catalogue code with
    Russian words: the console never shows a Russian user English."""
    from quotabulk.formats.inputs.columns import Field
    from quotabulk.formats.inputs.rows import RawRow, RowShape, build_row

    shape = RowShape({Field.MSISDN: "Номер", Field.LIMIT: "Лимит"})
    row = build_row("f.csv:2", RawRow(phone, limit), shape)
    if isinstance(row, InvalidRow):
        for text in texts_of([row]):
            assert text.code in KINDS
            assert say(text, Language.RU) != str(text)


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


def _file_error(paths: list[Path], sheets: tuple[str, ...] = ()) -> InputError:
    try:
        load_inputs(paths, LoadOptions(sheets=sheets))
    except InputError as exc:
        return exc
    raise AssertionError(f"{paths} loaded without an error")


def test_every_whole_file_error_and_notice_is_a_code_with_russian_words(
    text_file: Callable[..., Path], tmp_path: Path
) -> None:
    """Each one produced by a real file, as a console user would upload it."""
    errors = [_file_error([text_file(name, text)]) for name, text in YAML_FAULTS.items()]
    cp1251 = tmp_path / "cp1251.yaml"
    cp1251.write_bytes("version: 1 # квоты\n".encode("cp1251"))
    not_a_zip = tmp_path / "renamed.xlsx"
    not_a_zip.write_text("Номер;Лимит\n79161000005;100\n", encoding="utf-8")
    garbage_xls = tmp_path / "old.xls"
    garbage_xls.write_bytes(b"\x00garbage, not a workbook" * 20)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"PK\x03\x04\x00\x00binary")
    errors += [
        _file_error([cp1251]),
        _file_error([not_a_zip]),
        _file_error([garbage_xls]),
        _file_error([binary]),
        _file_error([text_file("notes.txt", "hello\n")]),
        _file_error([text_file("no-header.csv", "Привет;мир\n1;2\n")]),
        _file_error([text_file("empty.csv", "Номер;Лимит\n")]),
        _file_error([text_file("порог.csv", "Номер;Лимит;Порог срабатывания\n7916;7;5\n")]),
        _file_error([EXAMPLES / "finance_workbook.xlsx"], sheets=("Итоги 2027",)),
        _file_error([tmp_path / "absent.csv"]),
    ]
    texts = [error.text for error in errors]
    assert None not in texts, [e.message for e, t in zip(errors, texts, strict=True) if t is None]
    notices = [
        *load_inputs([EXAMPLES / "finance_workbook.xlsx"]).notices,
        *load_inputs([text_file("total.csv", "Номер;Лимит\n79161000005;100\nИтого;100\n")]).notices,
    ]
    every = [text for text in [*texts, *notices] if text is not None]
    codes = [text.code for text in every]
    # Each its own entry; the workbook's two sheets each have columns not managed, and
    # each a hidden column («Должность»).
    assert len(set(codes)) == len(codes) - 2
    for text in every:
        russian = assert_russian(text)
        # Russian from the first word (after a notice's `where:`; a library's own detail
        # may follow).
        first = russian.split(": ", 1)[1] if text.part("where") else russian
        assert re.match(r"[«`а-яё]", first, re.IGNORECASE), russian
    no_header = say(texts[len(YAML_FAULTS) + 5] or Text("-"), Language.RU)
    assert "в начале листа: строки 1: «Привет», «мир»" in no_header

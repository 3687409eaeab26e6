"""Random and mutated inputs never crash the loaders with anything but an `InputError`,
and never take unbounded time or memory (the loaders refuse what is too big first)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotabulk.domain.errors import InputError
from quotabulk.formats.inputs import Loaded, load_inputs
from tests.conftest import EXAMPLES

SAMPLES = {
    ".xlsx": (EXAMPLES / "finance_workbook.xlsx").read_bytes(),
    ".csv": (EXAMPLES / "quotas.csv").read_bytes(),
    ".yaml": (EXAMPLES / "quotas.yaml").read_bytes(),
}
CSV_ALPHABET = ';,"\n\r0123456789 +-()Номерлимит'
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def load_bytes(data: bytes, suffix: str) -> Loaded | None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        try:
            return load_inputs([path])
        except InputError as exc:
            message = exc.message
        assert message.startswith(str(path))  # one sentence, located
        return None


@st.composite
def mutated(draw: st.DrawFn) -> tuple[bytes, str]:
    suffix = draw(st.sampled_from(sorted(SAMPLES)))
    data = bytearray(SAMPLES[suffix])
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "cut", "insert"]))
        if kind == "flip":
            data[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
        if not data:
            data = bytearray(b"x")
    return bytes(data), suffix


@FUZZ
@given(mutated())
def test_mutated_files_load_or_fail_with_an_input_error(case: tuple[bytes, str]) -> None:
    load_bytes(*case)


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from([".xlsx", ".csv", ".yaml"]))
def test_random_bytes_load_or_fail_with_an_input_error(data: bytes, suffix: str) -> None:
    load_bytes(data, suffix)


cells = st.one_of(
    st.none(),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)


@FUZZ
@given(st.lists(st.lists(cells, max_size=6), max_size=20))
def test_random_sheets_under_a_real_header(rows: list[list[object]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "q.xlsx"
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["Номер", "Лимит", "Порог", "При превышении", "Действие", "ФИО"])
        for row in rows:
            sheet.append(row)
        book.save(path)
        try:
            loaded = load_inputs([path])
        except InputError:
            return
    assert loaded.row_count <= len(rows)
    for row in loaded.rows:
        assert len(row.msisdn) == 11
        assert row.limit is None or row.limit >= 0


@FUZZ
@given(
    st.lists(
        st.lists(st.text(alphabet=';,"\n\r0123456789 +-()Номерлимит', max_size=12), max_size=6),
        max_size=20,
    )
)
def test_random_csv_under_a_real_header(rows: list[list[str]]) -> None:
    text = "Номер;Лимит\n" + "\n".join(";".join(row) for row in rows)
    load_bytes(text.encode("utf-8"), ".csv")


def test_a_million_empty_rows_before_nothing_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "sparse.xlsx"
    book = openpyxl.Workbook()
    book.active.cell(row=1_000_000, column=1, value="x")
    book.save(path)
    with pytest.raises(InputError, match="no sheet has a header row"):
        load_inputs([path])


def test_a_huge_shared_string_table_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zipfile

    from quotabulk.formats.inputs import excel

    monkeypatch.setattr(excel, "MAX_UNPACKED_BYTES", 4 * 1024 * 1024)
    path = tmp_path / "strings.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"<si><t>a</t></si>" * 400_000)
    with pytest.raises(InputError, match="too large"):
        load_inputs([path])

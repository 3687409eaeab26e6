"""Files made to hurt the reader: one sentence, exit 1, and a small, bounded memory —
never an abort of the process (a far cell made calamine ask for 549 GB and die with
SIGABRT; a cell of millions of characters took gigabytes)."""

from __future__ import annotations

import subprocess
import sys
import time
import zipfile
from collections.abc import Iterable
from itertools import chain
from pathlib import Path

import openpyxl
import pytest

from quotabulk.formats.inputs.facts import column_letters
from tests.console.test_console_heals import far_cell_workbook

pytestmark = pytest.mark.slow
PEAK_BUDGET_KB = 400_000  # generous: the refusal itself needs a few megabytes
# The peak is read from VmHWM, the high-water mark of this process's own memory: the
# `ru_maxrss` of a child keeps the parent's size across exec, which is the test's.
MEASURED = (
    "import sys\n"
    "from quotabulk.cli.main import main\n"
    "code = main(sys.argv[1:])\n"
    "status = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
    "print('peak_kb', status, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def validate(path: Path) -> tuple[int, str, int, float]:
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", MEASURED, "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    took = time.monotonic() - began
    peak = int(done.stderr.rsplit("peak_kb", 1)[1].split()[0])
    said = done.stderr.rsplit("peak_kb", 1)[0]
    return done.returncode, said, peak, took


def grown_workbook(
    path: Path, rows: list[list[object]], marker: bytes, insert: Iterable[bytes]
) -> Path:
    """A workbook of `rows` saved by openpyxl, copied with the chunks of `insert` streamed
    into its sheet in place of `marker`: files of gigabytes, never held in memory."""
    small = path.with_name(f"small-{path.name}")
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(small)
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if marker not in data:
                out.writestr(info, data)
                continue
            before, after = data.split(marker)
            with out.open(info.filename, "w", force_zip64=True) as entry:
                entry.write(before)
                for chunk in insert:
                    entry.write(chunk)
                entry.write(after)
    return path


def huge_cell_workbook(path: Path, megabytes: int) -> Path:
    """One cell of `megabytes` MB of letters (openpyxl writes it inline, in the sheet;
    Excel would put it in the shared strings: both are looked at)."""
    letters = b"A" * (1 << 20)
    cell = [b"<t>", *(letters for _ in range(megabytes)), b"</t>"]
    rows: list[list[object]] = [["Номер", "Лимит", "Комментарий"], ["79161000001", 1000, "x"]]
    return grown_workbook(path, rows, b"<t>x</t>", cell)


def test_a_far_cell_is_refused_in_one_sentence(tmp_path: Path) -> None:
    code, said, peak, took = validate(far_cell_workbook(tmp_path / "far.xlsx"))
    print(f"far cell: exit {code} in {took:.2f} s, peak {peak // 1024} MB")
    assert code == 1, said
    assert "XFD1048576" in said
    assert "Traceback" not in said
    assert len(said.strip().splitlines()) == 1
    assert peak < PEAK_BUDGET_KB


def test_a_cell_of_a_gigabyte_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = huge_cell_workbook(tmp_path / "big.xlsx", 1024)
    code, said, peak, took = validate(path)
    print(
        f"a 1 GB cell in a {path.stat().st_size // 1024} KB file: exit {code} in {took:.2f} s, "
        f"peak {peak // 1024} MB"
    )
    assert code == 1, said
    assert "more than 32767 characters" in said
    assert len(said) < 1000  # the value itself is never printed
    assert peak < PEAK_BUDGET_KB


def test_millions_of_rows_in_a_small_file_are_refused_before_reading(tmp_path: Path) -> None:
    """Three million identical rows zip to well under a megabyte."""
    row = '<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>79161000001</t></is></c></row>'
    blocks = (
        "".join(row.format(n=n) for n in range(start, start + 100_000)).encode()
        for start in range(2, 3_000_002, 100_000)
    )
    end = b"</sheetData>"
    target = grown_workbook(tmp_path / "many.xlsx", [["Номер", "Лимит"]], end, chain(blocks, [end]))
    code, said, peak, took = validate(target)
    print(
        f"3 million rows in {target.stat().st_size // 1024} KB: exit {code} in {took:.2f} s, "
        f"peak {peak // 1024} MB"
    )
    assert code == 1, said
    assert "more rows than any spreadsheet holds (1048576)" in said
    assert peak < PEAK_BUDGET_KB


@pytest.mark.parametrize(
    ("chunk", "over"),
    [
        (b"<" + b"a" * 100 + b"<", False),  # what follows a "<" up to the next one
        (b"<" + b"a" * 101 + b"<", True),
        (b"a" * 101, True),
        (b"<x>" * 40 + b"a" * 60 + b"<" + b"a" * 60, False),
        (b"<" + b"a" * 49 + b"<" + b"a" * 150, True),
    ],
)
def test_a_run_of_text_is_measured_whatever_the_windows(chunk: bytes, over: bool) -> None:
    from quotabulk.formats.inputs.prescan import _longest_run_over

    assert _longest_run_over(chunk, 100) is over


def test_a_dense_sheet_too_big_to_hold_is_refused_before_the_reader_allocates_it(
    tmp_path: Path,
) -> None:
    """A million rows of seventeen filled columns: a rectangle the reader would take
    0.6 GB for before reading a cell, and this file far more in all."""
    columns = [column_letters(n) for n in range(1, 18)]
    blocks = (
        "".join(
            f'<row r="{n}">' + "".join(f'<c r="{c}{n}"><v>1</v></c>' for c in columns) + "</row>"
            for n in range(start, start + 10_000)
        ).encode()
        for start in range(2, 1_000_002, 10_000)
    )
    header: list[object] = ["Номер", "Лимит", *(f"c{n}" for n in range(15))]
    end = b"</sheetData>"
    target = grown_workbook(tmp_path / "dense.xlsx", [header], end, chain(blocks, [end]))
    code, said, peak, took = validate(target)
    print(f"a dense sheet, 1M × 17: exit {code} in {took:.2f} s, peak {peak // 1024} MB")
    assert code == 1, said
    assert "reaches cell Q1000001" in said
    assert peak < PEAK_BUDGET_KB

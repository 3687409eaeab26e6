from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import settings

from quotabulk.cli.main import main


@pytest.fixture(autouse=True)
def quotabulk_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own state folder and no operator configured from outside."""
    home = tmp_path / "home"
    monkeypatch.setenv("QUOTABULK_HOME", str(home))
    for name in (
        "QUOTABULK_API_URL",
        "QUOTABULK_TOKEN",
        "QUOTABULK_TOKEN_FILE",
        "QUOTABULK_ACCOUNT",
        "LC_ALL",
    ):
        monkeypatch.delenv(name, raising=False)
    # The tests read the command line in English (QUOTABULK_LANG=en); the Russian
    # default is tested on its own by removing it (tests/i18n, test_russian.py, the
    # console's pages). The locale is C.UTF-8, the one every Debian machine has, so it
    # names no language, and LibreOffice still reads and writes UTF-8 file names.
    monkeypatch.setenv("QUOTABULK_LANG", "en")
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    # The command line chooses its language once per command; a test that calls its
    # words directly must not inherit the language of the command run before it.
    from quotabulk.cli import speech

    speech.reset()
    return home


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    def run(*args: str | Path) -> CliResult:
        capsys.readouterr()
        code = main([str(arg) for arg in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


# CI replays the same examples every run, so a red build always means a change did it;
# locally hypothesis explores new examples each time (and remembers the failures).
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

SheetRows = Sequence[Sequence[Any]]


def write_xlsx(path: Path, sheets: dict[str, SheetRows]) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    workbook.save(path)
    return path


def built_workbook(path: Path, build: Callable[[Any], None]) -> Path:
    """An openpyxl workbook `build` fills (merges, formats, hidden rows: what `write_xlsx`
    cannot say), saved at `path`."""
    book = openpyxl.Workbook()
    build(book)
    book.save(path)
    return path


@pytest.fixture
def xlsx(tmp_path: Path) -> Callable[..., Path]:
    def make(sheets: dict[str, SheetRows], name: str = "quotas.xlsx") -> Path:
        return write_xlsx(tmp_path / name, sheets)

    return make


@pytest.fixture
def text_file(tmp_path: Path) -> Callable[..., Path]:
    def make(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return make


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

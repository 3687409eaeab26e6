"""Files saved by a real office suite (LibreOffice, as Debian ships it; `make test`
installs it): a title row, a blank row, headers with units, a formula total row, in
.xlsx, .xls and .ods. Every column is recognised, the total row skipped, the plan right."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from quotabulk.domain.models import OnExceed
from quotabulk.formats.inputs import load_inputs
from tests.conftest import EXAMPLES, CliResult

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

SOFFICE = shutil.which("soffice")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SOFFICE is None, reason="`make test` installs libreoffice-calc-nogui"),
]

SHEET = (
    "Квоты сотрудников на ноябрь;;;;\n"
    ";;;;\n"
    "ФИО;Телефон;Лимит, руб.;Порог уведомления, руб.;При превышении лимита\n"
    "Анна;+7 916 100-00-05;900;700;личный счёт\n"
    "Борис;89161000004;3000;;блокировка\n"
    "Итого;;=SUM(C4:C5);;\n"
)


def libreoffice(tmp_path: Path, source: Path, kind: str, *options: str) -> Path:
    """`soffice --convert-to kind` of `source` into tmp_path/out; the file it made."""
    # Each soffice needs its own profile, or concurrent ones fail silently.
    profile = f"-env:UserInstallation=file://{tmp_path}/lo-{uuid.uuid4().hex}"
    out = tmp_path / "out"
    command = [SOFFICE or "soffice", "--headless", profile, *options, "--convert-to", kind]
    subprocess.run(
        [*command, "--outdir", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    made = out / f"{source.stem}.{kind}"
    assert made.exists(), f"LibreOffice made no .{kind} of {source.name}"
    return made


def saved_by_libreoffice(tmp_path: Path, kind: str) -> Path:
    """The sheet typed into LibreOffice Calc and saved as `kind` (formulas evaluated)."""
    source = tmp_path / "квоты.csv"
    source.write_text(SHEET, encoding="utf-8")
    return libreoffice(tmp_path, source, kind, "--infilter=CSV:59,34,76,1")


@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_a_sheet_saved_by_libreoffice_reads_with_every_column(tmp_path: Path, kind: str) -> None:
    path = saved_by_libreoffice(tmp_path, kind)
    loaded = load_inputs([path])
    assert not loaded.invalid
    anna, boris = loaded.rows
    assert (anna.msisdn, anna.limit, anna.warn_at, anna.on_exceed) == (
        "79161000005",
        900,
        700,
        OnExceed.PERSONAL,
    )
    assert (boris.msisdn, boris.limit, boris.on_exceed) == ("79161000004", 3000, OnExceed.BLOCK)
    assert boris.manages_warn_at
    assert boris.warn_at is None
    [total] = loaded.skipped
    assert total.reason == "строка итогов"
    assert total.source.endswith(":6")
    assert any("not managed: «ФИО»" in notice for notice in map(str, loaded.notices))


@pytest.mark.parametrize("kind", ["xls", "ods"])
def test_the_plan_of_an_old_or_open_format_is_right(
    tmp_path: Path, kind: str, cli: Callable[..., CliResult]
) -> None:
    assert cli("sandbox", "seed", "--from", EXAMPLES / "current.yaml").code == 0
    planned = cli("plan", saved_by_libreoffice(tmp_path, kind))
    assert planned.code == 0, planned.err
    assert "~ 79161000005  600 ₽ (block) → 900 ₽ (warn at 700, personal)" in planned.out
    # An empty cell in a threshold column that is there means "no threshold".
    assert "~ 79161000004  3000 ₽ (warn at 2500, block) → 3000 ₽ (block)" in planned.out
    assert planned.out.strip().endswith("Plan: 0 to add, 2 to edit, 0 to delete, 0 unchanged.")


def picture_of(pdf: Path, name: str) -> None:
    """The first page of `pdf` as a PNG to look at, kept with the test artifacts."""
    if shutil.which("pdftoppm") is None:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    command = ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf)]
    subprocess.run([*command, str(ARTIFACTS / name)], check=True, capture_output=True)


def printed_by_libreoffice(tmp_path: Path, report: Path) -> Path:
    return libreoffice(tmp_path, report, "pdf")


def pdf_text(pdf: Path, page: int) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="`make test` installs poppler-utils")
def test_the_russian_report_prints_one_page_wide_with_kopecks(
    tmp_path: Path,
    cli: Callable[..., CliResult],
    text_file: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Printed by LibreOffice, as an accountant would: every column on the first page,
    amounts as «1 500,50 ₽» with their kopecks, the header repeated on the next page."""
    monkeypatch.delenv("QUOTABULK_LANG")  # the default: Russian
    assert cli("sandbox", "seed", "--from", EXAMPLES / "current.yaml").code == 0
    rows = "".join(f"Сотрудник {n};7916200{n:04d};{100 + n},50;\n" for n in range(200))
    sheet = text_file(
        "квоты.csv",
        "ФИО;Номер;Лимит;Комментарий\n"
        "Анна Сергеевна;79161000005;1500,50;длинный комментарий о том, зачем этот лимит\n" + rows,
    )
    report = tmp_path / "отчёт.xlsx"
    assert cli("apply", "--yes", "--skip-invalid", sheet, "--report", report).code == 3
    pdf = printed_by_libreoffice(tmp_path, report)
    first = pdf_text(pdf, 1)
    for header in ("Источник", "Было", "Стало", "Номер заявки", "Итог", "Причина", "Комментарий"):
        assert header in first  # one page wide: no column went to a page of its own
    assert "600,00 ₽" in first
    assert "1 500,50 ₽" in first  # grouped, with the kopecks
    assert "Применено" in first
    assert "Источник" in pdf_text(pdf, 2)  # the header repeats on the next printed page
    picture_of(pdf, "report-ru-page-1")


@pytest.mark.parametrize("kind", ["xls", "ods"])
def test_an_export_saved_again_by_libreoffice_plans_nothing(
    tmp_path: Path, kind: str, cli: Callable[..., CliResult]
) -> None:
    """Export, open in the office suite, save in its format: the round trip is exact."""
    assert cli("sandbox", "seed", "--from", EXAMPLES / "current.yaml").code == 0
    exported = tmp_path / "сейчас.xlsx"
    assert cli("export", "--out", exported).code == 0
    saved = libreoffice(tmp_path, exported, kind)
    planned = cli("plan", saved, "--detailed-exitcode")
    assert planned.code == 0, planned.err
    assert planned.out.strip() == "Plan: 0 to add, 0 to edit, 0 to delete, 15 unchanged."

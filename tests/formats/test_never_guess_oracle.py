"""The never-guess invariant over generated workbooks, with LibreOffice as the oracle:
whenever `apply` exits 0, the operator holds exactly what each visible, managed cell
displays — as LibreOffice's "as shown" CSV export of the same workbook says, not as our
own formatter would — and whenever it exits 1, the operator holds what it held.

Layouts (one header row, a title above it, a merged two-row header), number formats
(plain, rubles, percent, date, thousands), error cells and hidden rows are drawn by
hypothesis; each example is saved by LibreOffice first, as a user's file would be, as
`.xlsx`, `.ods` or `.xls`.
Few examples: LibreOffice takes seconds for each."""

from __future__ import annotations

import csv
import os
import subprocess
import tempfile
import uuid
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CliResult
from tests.formats.test_office_files import SOFFICE, libreoffice

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SOFFICE is None, reason="`make test` installs libreoffice-calc-nogui"),
]

POOL = [f"7916500000{n}" for n in range(6)]
SEEDED = (Decimal(100), None)
FORMATS = ["General", "General", '#,##0.00" ₽"', "0%", "DD.MM.YYYY", '0.0" тыс."']
# LibreOffice's CSV export: `;`, `"`, UTF-8, from line 1, en-US, …, the 9th token true:
# "save cell contents as shown"; -1: every sheet to its own file.
AS_SHOWN = "csv:Text - txt - csv (StarCalc):59,34,76,1,,1033,false,true,true,false,false,-1"

amounts = st.one_of(
    st.integers(0, 5000).map(Decimal),
    st.integers(0, 500_000).map(lambda n: Decimal(n) / 100),
)
rows = st.lists(
    st.fixed_dictionaries(
        {
            "limit": amounts,
            "limit_format": st.sampled_from(FORMATS),
            "warn": st.one_of(
                st.none(), st.integers(0, 100).map(Decimal), st.sampled_from(["=#REF!", "=1/0"])
            ),
            "hidden": st.sampled_from([False, False, False, True]),
        }
    ),
    min_size=1,
    max_size=len(POOL),
)


def build(path: Path, layout: str, drawn: list[dict[str, Any]]) -> int:
    """The workbook; the number of header lines above the data."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Лимиты"
    if layout == "merged":
        sheet.append(["Телефон", "Лимит", None])
        sheet.append([None, "сумма, руб.", "порог, руб."])
        sheet.merge_cells("B1:C1")
        sheet.merge_cells("A1:A2")
        top = 2
    elif layout == "title":
        sheet.append(["Квоты на декабрь"])
        sheet.merge_cells("A1:C1")
        sheet.append(["Телефон", "Лимит", "Порог"])
        top = 2
    else:
        sheet.append(["Телефон", "Лимит", "Порог"])
        top = 1
    for index, row in enumerate(drawn):
        line = top + index + 1
        warn = row["warn"]
        sheet.append(
            [POOL[index], float(row["limit"]), float(warn) if isinstance(warn, Decimal) else warn]
        )
        sheet.cell(line, 2).number_format = row["limit_format"]
        if row["hidden"]:
            sheet.row_dimensions[line].hidden = True
    book.save(path)
    return top


def as_shown(folder: Path, workbook: Path) -> list[list[str]]:
    """The sheet as LibreOffice shows it, cell by cell."""
    profile = f"-env:UserInstallation=file://{folder}/lo-{uuid.uuid4().hex}"
    out = folder / "shown"
    command = [SOFFICE or "soffice", "--headless", profile, "--convert-to", AS_SHOWN]
    subprocess.run(
        [*command, "--outdir", str(out), str(workbook)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    [made] = out.glob("*.csv")
    with made.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))


def amount_shown(text: str) -> Decimal | None:
    """What a person reads in a money cell as an amount of rubles, or None when the cell
    shows no amount (`80%`, a date, `1.5 тыс.`, `#REF!`): then nothing may be applied."""
    bare = text.replace("₽", "").replace("\u00a0", "").replace(" ", "").strip()
    if not bare:
        return None
    if "," in bare and "." in bare:
        bare = bare.replace(",", "")
    try:
        return Decimal(bare.replace(",", "."))
    except InvalidOperation:
        return None


def held(
    cli: Callable[..., CliResult], folder: Path
) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    out = folder / "held.csv"
    assert cli("export", "--out", out).code == 0
    with out.open(encoding="utf-8-sig", newline="") as handle:
        found = {}
        for row in csv.DictReader(handle, delimiter=";"):
            found[row["Номер"]] = (
                amount_shown(row["Лимит"]),
                amount_shown(row["Порог уведомления"]),
            )
    return found


@settings(
    max_examples=int(os.environ.get("QUOTABULK_ORACLE_EXAMPLES", "8")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    layout=st.sampled_from(["plain", "title", "merged"]),
    drawn=rows,
    policy=st.sampled_from(["read", "skip"]),
    kind=st.sampled_from(["xlsx", "ods", "xls"]),
)
def test_apply_exits_0_only_when_the_operator_holds_what_the_sheet_shows(
    cli: Callable[..., CliResult],
    monkeypatch: pytest.MonkeyPatch,
    layout: str,
    drawn: list[dict[str, Any]],
    policy: str,
    kind: str,
) -> None:
    folder = Path(tempfile.mkdtemp(prefix="oracle-"))
    monkeypatch.setenv("QUOTABULK_HOME", str(folder / "home"))  # a fresh operator each time
    current = folder / "current.yaml"
    current.write_text(
        "version: 1\nquotas:\n" + "".join(f"  - {{msisdn: '{n}', limit: 100}}\n" for n in POOL),
        encoding="utf-8",
    )
    assert cli("sandbox", "seed", "--from", current).code == 0
    made = folder / "made.xlsx"
    top = build(made, layout, drawn)
    saved = libreoffice(folder, made, kind)  # the user's file: saved by an office suite
    shown = as_shown(folder, saved)
    result = cli("apply", "--yes", "--hidden", policy, saved)
    after = held(cli, folder)
    assert result.code in (0, 1), result.err
    if result.code == 1:  # refused: nothing was sent
        assert all(after[n] == SEEDED for n in POOL), result.err
        return
    for index, row in enumerate(drawn):
        msisdn = POOL[index]
        if row["hidden"] and policy == "skip":
            assert after[msisdn] == SEEDED
            continue
        cells = shown[top + index]
        limit = amount_shown(cells[1])
        warn = amount_shown(cells[2]) if cells[2] else None
        assert limit is not None, f"{cells[1]!r} applied as an amount"
        assert not cells[2] or warn is not None, f"{cells[2]!r} applied as an amount"
        assert after[msisdn] == (limit, warn), (cells, result.err)

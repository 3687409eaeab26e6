"""Every file under examples/ is validated and planned, and `make demo` applies them, as
the README promises."""

from __future__ import annotations

import os
import re
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import EXAMPLES, CliResult

ROOT = Path(__file__).resolve().parents[1]

INPUTS = sorted(
    p for p in EXAMPLES.iterdir() if p.suffix in {".yaml", ".xlsx", ".csv"} and p.stem != "columns"
)


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_example_validates_and_plans(cli: Callable[..., CliResult], path: object) -> None:
    assert cli("validate", path).code == 0
    result = cli("plan", path, "--current", EXAMPLES / "current.yaml")
    assert result.code == 0
    assert result.out.splitlines()[-1].startswith("Plan: ")


def test_example_column_mapping_adds_to_the_built_in_names(
    cli: Callable[..., CliResult], text_file: Callable[..., Path]
) -> None:
    # The mapping adds names: a sheet with the usual headers still reads as before...
    result = cli("validate", "--columns", EXAMPLES / "columns.yaml", EXAMPLES / "quotas.csv")
    assert result.code == 0, result.err
    # ...and one with the mapping's own headers reads too, its ignored column named nowhere.
    own = text_file(
        "own.csv", "Телефон сотрудника;Лимит на месяц;Порог срабатывания\n79161000005;900;800\n"
    )
    result = cli("validate", "--columns", EXAMPLES / "columns.yaml", own)
    assert (result.code, result.out) == (0, "1 row read, all valid.\n"), result.err
    assert "Порог срабатывания" not in result.err


@pytest.mark.slow
def test_make_demo_runs_the_main_job_on_the_sandbox(tmp_path: Path) -> None:
    """The README's first command: validate, plan, apply with a report, and a last plan
    that finds nothing left to do — run as a user runs it, twice (it seeds afresh)."""
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUOTABULK_")}
    env["QUOTABULK_HOME"] = str(home)
    for _ in range(2):
        done = subprocess.run(
            ["make", "-s", "demo"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr[-3000:]
        # No language set and a locale naming none: the finance team's Russian.
        plans = [line for line in done.stdout.splitlines() if line.startswith("План: ")]
        assert plans == [
            "План: добавить 3, изменить 4, удалить 2, без изменений 5.",
            "План: добавить 0, изменить 0, удалить 0, без изменений 14.",
        ]
        summary = r"^Запуск \S+: Применено 9, Без изменений 5\.$"
        assert re.search(summary, done.stdout, re.MULTILINE)
        assert not any(line.startswith("{") for line in done.stderr.splitlines())  # words
        sheet = openpyxl.load_workbook(home / "demo-report.xlsx", read_only=True).worksheets[0]
        outcomes = Counter(row[7] for row in sheet.iter_rows(min_row=2, values_only=True))
        assert outcomes == {"Применено": 9, "Без изменений": 5}

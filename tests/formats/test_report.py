"""Reports of a mixed run, read back from real files in every format."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from quotabulk.engine.lock import Owner, acquire
from quotabulk.store.journal import Journal
from tests.conftest import EXAMPLES, CliResult
from tests.engine.test_apply import history

MIXED = (
    "ФИО;Номер;Лимит;Комментарий\n"
    'Анна;79161000005;700;=HYPERLINK("http://evil")\n'  # applied; formula-like comment
    "Борис;79161000004;3000;+спорно\n"  # unchanged (already 3000)
    "Вера;79123456792;150000;@лимит\n"  # rejected: above the account's ceiling
    "Глеб;123;5;-\n"  # invalid
)


@pytest.fixture(autouse=True)
def seeded(monkeypatch: pytest.MonkeyPatch, cli: Callable[..., CliResult]) -> None:
    monkeypatch.setenv("QUOTABULK_SANDBOX_PROCESSING_MS", "50")
    assert cli("sandbox", "seed", "--from", EXAMPLES / "current.yaml").code == 0


@pytest.fixture
def mixed(text_file: Callable[..., Path]) -> Path:
    return text_file("mixed.csv", MIXED)


def outcomes_by_row(rows: list[dict[str, str]]) -> dict[str, str]:
    return {row["source"].rsplit(":", 1)[1]: row["outcome"] for row in rows}


EXPECTED = {"2": "applied", "3": "unchanged", "4": "rejected", "5": "invalid"}


def test_xlsx_report_of_a_mixed_run(
    cli: Callable[..., CliResult], mixed: Path, tmp_path: Path
) -> None:
    report = tmp_path / "out" / "report.xlsx"
    result = cli("apply", "--yes", "--skip-invalid", mixed, "--report", report)
    assert result.code == 3
    book = openpyxl.load_workbook(report)
    results, summary = book["results"], book["summary"]
    header = [cell.value for cell in results[1]]
    assert header == [
        "source",
        "msisdn",
        "action",
        "before",
        "after",
        "request_id",
        "request_status",
        "outcome",
        "error",
        "ФИО",
        "Комментарий",
    ]
    rows = [
        dict(zip(header, (c.value for c in row), strict=True))
        for row in results.iter_rows(min_row=2)
    ]
    assert outcomes_by_row(rows) == EXPECTED
    rejected = next(r for r in rows if r["outcome"] == "rejected")
    assert "потолка" in rejected["error"]
    assert rejected["request_id"].startswith("Z-")
    assert rejected["request_status"] == "rejected"
    applied = next(r for r in rows if r["outcome"] == "applied")
    assert (applied["before"], applied["after"]) == (600, 700)  # amounts are numbers
    for row in results.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"  # nothing a user typed became a formula
    assert rows[0]["Комментарий"] == '=HYPERLINK("http://evil")'  # and nothing was lost
    assert results.freeze_panes == "A2"
    assert results.auto_filter.ref is not None
    colour = results.cell(row=2, column=8).fill.fgColor.rgb
    assert colour.endswith("C6EFCE")  # applied is green
    facts = {row[0].value: row[1].value for row in summary.iter_rows() if row[0].value}
    assert facts["account"] == "ACC-100200"
    outcome_counts = {
        k.split(": ")[1]: v for k, v in facts.items() if str(k).startswith("outcome: ")
    }
    assert (
        outcome_counts["applied"]
        + outcome_counts["unchanged"]
        + outcome_counts["rejected"]
        + outcome_counts["invalid"]
        == facts["rows"]
        == 4
    )


def test_csv_report_has_a_bom_and_inert_formulas(
    cli: Callable[..., CliResult], mixed: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report.csv"
    assert cli("apply", "--yes", "--skip-invalid", mixed, "--report", report).code == 3
    raw = report.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert outcomes_by_row(rows) == EXPECTED
    comments = [row["Комментарий"] for row in rows]
    assert comments == ['\'=HYPERLINK("http://evil")', "'+спорно", "'@лимит", "'-"]


def test_csv_delimiter_option(cli: Callable[..., CliResult], mixed: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.csv"
    cli("apply", "--yes", "--skip-invalid", mixed, "--report", report, "--csv-delimiter", ",")
    first = report.read_text("utf-8-sig").splitlines()[0]
    assert first.startswith("source,msisdn,action,before,after,")


def test_json_report_has_rows_summary_and_version(
    cli: Callable[..., CliResult], mixed: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    assert cli("apply", "--yes", "--skip-invalid", mixed, "--report", report).code == 3
    body = json.loads(report.read_text("utf-8"))
    assert body["format_version"] == 1
    assert outcomes_by_row(body["rows"]) == EXPECTED
    assert sum(body["summary"]["outcomes"].values()) == len(body["rows"]) == 4
    assert body["summary"]["actions"]["invalid"] == 1
    assert body["rows"][0]["extras"]["ФИО"] == "Анна"


def test_unknown_report_format_is_refused_before_sending(
    cli: Callable[..., CliResult], mixed: Path, tmp_path: Path, quotabulk_home: Path
) -> None:
    result = cli("apply", "--yes", mixed, "--report", tmp_path / "r.pdf")
    assert result.code == 1
    assert history(quotabulk_home) == []


def test_reconcile_writes_the_default_report_and_exits_0(
    cli: Callable[..., CliResult], quotabulk_home: Path
) -> None:
    result = cli("reconcile", EXAMPLES / "quotas.yaml")
    assert result.code == 0
    [report] = (quotabulk_home / "reports").iterdir()
    assert report.name.startswith("ACC-100200-")
    assert report.suffix == ".xlsx"
    # With JSON logs (reconcile's default) stderr carries nothing but JSON lines.
    log_lines = [json.loads(line) for line in result.err.splitlines()]
    assert {"event": "report written", "report": str(report)}.items() <= next(
        line for line in log_lines if line["event"] == "report written"
    ).items()
    finished = next(line for line in log_lines if line["event"] == "reconcile finished")
    assert finished["exit_code"] == 0
    assert finished["applied"] == 4
    sent = [line for line in log_lines if line["event"] == "request sent"]
    assert len(sent) == 4
    assert all(
        line["run_id"] and line["msisdn"] and line["request_id"] and line["source"] for line in sent
    )


def test_reconcile_dry_run_reports_drift_and_sends_nothing(
    cli: Callable[..., CliResult], quotabulk_home: Path, tmp_path: Path
) -> None:
    report = tmp_path / "drift.json"
    result = cli(
        "reconcile",
        "--dry-run",
        *[EXAMPLES / "quotas.yaml", EXAMPLES / "quotas.csv"],
        "--report",
        report,
    )
    assert result.code == 3
    assert history(quotabulk_home) == []
    body = json.loads(report.read_text("utf-8"))
    assert body["summary"]["note"] == "dry run: nothing was sent"
    assert body["summary"]["outcomes"]["skipped"] == 6
    assert body["summary"]["outcomes"]["unchanged"] == 2


def test_reconcile_with_invalid_input_exits_1_and_still_reports(
    cli: Callable[..., CliResult],
    text_file: Callable[..., Path],
    tmp_path: Path,
    quotabulk_home: Path,
) -> None:
    sheet = text_file("bad.csv", "Номер;Лимит\n79161000005;700\n79161000006;\n")
    report = tmp_path / "bad.json"
    result = cli("reconcile", sheet, "--report", report)
    assert result.code == 1
    body = json.loads(report.read_text("utf-8"))
    assert outcomes_by_row(body["rows"]) == {"2": "skipped", "3": "invalid"}
    assert history(quotabulk_home) == []


def test_reconcile_locked_exits_4_with_a_report(
    cli: Callable[..., CliResult], quotabulk_home: Path, tmp_path: Path
) -> None:
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        journal = Journal(quotabulk_home / "journal.db")
        acquire(
            journal, "ACC-100200", "apply by hand", Owner(os.uname().nodename, holder.pid, None)
        )
        journal.close()
        report = tmp_path / "locked.json"
        result = cli("reconcile", EXAMPLES / "quotas.yaml", "--report", report)
    finally:
        holder.kill()
        holder.wait()
    assert result.code == 4
    body = json.loads(report.read_text("utf-8"))
    assert {row["outcome"] for row in body["rows"]} == {"skipped"}
    assert "another run holds the lock" in body["rows"][0]["error"]


def test_a_derived_column_is_one_entry_and_every_format_has_it(
    cli: Callable[..., CliResult], mixed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What issue 10 promised the next engineer: one `Column`, three formats."""
    from quotabulk.formats.reports import columns

    sent = columns.Column(
        "sent",
        lambda row: "yes" if row.request_id else "no",
        lambda row: row.request_id is not None,
    )
    monkeypatch.setattr(columns, "COLUMNS", (*columns.COLUMNS, sent))
    result = cli("apply", "--yes", "--skip-invalid", mixed, "--report", tmp_path / "r.json")
    run_id = json.loads(result.out)["run_id"] if result.out.startswith("{") else None
    body = json.loads((tmp_path / "r.json").read_text("utf-8"))
    assert {row["sent"] for row in body["rows"]} == {True, False}
    shown = run_id or body["summary"]["run_id"]
    assert cli("show", shown, "--report", tmp_path / "r.csv").code == 0
    header = (tmp_path / "r.csv").read_text("utf-8-sig").splitlines()[0].split(";")
    assert header[: len(columns.keys())] == [*columns.keys()]
    assert header[9] == "sent"
    assert cli("show", shown, "--report", tmp_path / "r.xlsx").code == 0
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx")["results"]
    assert [cell.value for cell in sheet[1]][9] == "sent"

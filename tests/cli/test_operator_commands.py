"""Read-only commands against the embedded sandbox and a served one."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import openpyxl
import pytest

from benchmarks.sandbox_process import served as serve_sandbox
from tests.cli.test_validate import ALL_EXAMPLES
from tests.conftest import EXAMPLES, CliResult


@pytest.fixture
def seeded(cli: Callable[..., CliResult], quotabulk_home: Path) -> Path:
    result = cli("sandbox", "seed", "--from", EXAMPLES / "current.yaml")
    assert result.code == 0
    db = quotabulk_home / "sandbox.db"
    counts = "15 subscribers, 12 with quotas, 0 blocked"
    assert result.out.strip() == f"Seeded account ACC-100200: {counts} in {db}."
    return db


def test_plan_against_the_embedded_sandbox_says_so(
    cli: Callable[..., CliResult], seeded: Path
) -> None:
    result = cli("plan", *ALL_EXAMPLES)
    assert result.code == 0
    assert result.out.splitlines()[-1] == "Plan: 3 to add, 4 to edit, 2 to delete, 5 unchanged."
    assert f"Target: the local sandbox operator in {seeded}" in result.err


def test_plan_without_a_seeded_sandbox_explains(cli: Callable[..., CliResult]) -> None:
    result = cli("plan", EXAMPLES / "quotas.yaml")
    assert result.code == 1
    assert (
        "the local sandbox has no account ACC-100200; create it with `quotabulk sandbox seed"
        in result.err
    )


@pytest.mark.parametrize("suffix", ["xlsx", "csv", "yaml"])
def test_export_then_plan_shows_no_changes(
    cli: Callable[..., CliResult], seeded: Path, tmp_path: Path, suffix: str
) -> None:
    out = tmp_path / f"now.{suffix}"
    exported = cli("export", "--out", out)
    assert exported.code == 0
    assert "Exported 15 subscribers of ACC-100200" in exported.out
    result = cli("plan", out, "--detailed-exitcode")
    assert result.code == 0, result.err
    assert result.out.strip() == "Plan: 0 to add, 0 to edit, 0 to delete, 15 unchanged."


def edit_export(out: Path) -> str:
    """Change 79161000005's limit from 600 to 650 the way a person would in that format;
    return where the row is."""
    if out.suffix == ".csv":
        text = out.read_text("utf-8-sig").replace("79161000005;600", "79161000005;650")
        out.write_text(text, encoding="utf-8-sig")
        return f"{out}:16"
    if out.suffix == ".yaml":
        text = out.read_text("utf-8")
        old = "- msisdn: '79161000005'\n  limit: '600'"
        assert old in text
        out.write_text(text.replace(old, "- msisdn: '79161000005'\n  limit: '650'"), "utf-8")
        return f"{out}:54"  # the line of the row
    book = openpyxl.load_workbook(out)
    sheet = book.active
    [row] = [r for r in sheet.iter_rows(min_row=2) if r[0].value == "79161000005"]
    row[1].value = 650
    book.save(out)
    return f"{out}:{sheet.title}:{row[0].row}"


@pytest.mark.parametrize("suffix", ["xlsx", "csv", "yaml"])
def test_export_edit_plan_shows_only_the_edit(
    cli: Callable[..., CliResult], seeded: Path, tmp_path: Path, suffix: str
) -> None:
    out = tmp_path / f"now.{suffix}"
    cli("export", "--out", out)
    where = edit_export(out)
    result = cli("plan", out)
    assert result.out.splitlines() == [
        f"~ 79161000005  600 ₽ (block) → 650 ₽ (block)  [{where}]",
        "Plan: 0 to add, 1 to edit, 0 to delete, 14 unchanged.",
    ]


def test_seed_random_subscribers(cli: Callable[..., CliResult], quotabulk_home: Path) -> None:
    result = cli(
        "sandbox",
        "seed",
        "--subscribers",
        "200",
        "--with-quotas",
        "0.5",
        "--blocked",
        "0.1",
        "--seed",
        "4",
    )
    match = re.match(
        r"Seeded account ACC-100200: 200 subscribers, (\d+) with quotas, (\d+) blocked", result.out
    )
    assert match
    assert 70 < int(match[1]) < 130
    assert 5 < int(match[2]) < 40
    assert cli("sandbox", "seed").code == 1


def test_history_json(cli: Callable[..., CliResult], seeded: Path) -> None:
    from quotabulk.sandbox.store import SandboxStore

    store = SandboxStore(seeded)
    store.reset_account("ACC-100200", [])
    store.close()
    result = cli("history", "--format", "json", "--since", "2026-01-01")
    assert result.code == 0
    assert json.loads(result.out) == []
    assert cli("history", "--since", "yesterday").code == 1
    assert cli("history", "--msisdn", "12").code == 1


@pytest.fixture
def served(seeded: Path) -> Iterator[tuple[str, str]]:
    token = "serve-token-0d9e1f"
    with serve_sandbox(seeded, token=token) as url:
        yield url, token


@pytest.mark.slow
def test_served_sandbox_export_as_a_newcomer_would(
    cli: Callable[..., CliResult],
    served: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, token = served
    monkeypatch.setenv("QUOTABULK_API_URL", url)
    monkeypatch.setenv("QUOTABULK_TOKEN", token)
    result = cli("export", "--out", tmp_path / "now.xlsx")
    assert result.code == 0
    assert "Target:" not in result.err
    monkeypatch.setenv("QUOTABULK_TOKEN", "not-the-token-77")
    wrong = cli("export", "--out", tmp_path / "again.xlsx")
    assert wrong.code == 1
    assert (
        wrong.err.strip()
        == f"Error: the operator at {url} refused the token (401); check QUOTABULK_TOKEN"
    )
    assert "not-the-token-77" not in wrong.err + wrong.out
    unauthenticated = httpx.get(url + "/v1/accounts/ACC-100200/subscribers")
    assert unauthenticated.status_code == 401


def test_remote_operator_needs_a_token(
    cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUOTABULK_API_URL", "http://127.0.0.1:9")
    result = cli("plan", EXAMPLES / "quotas.yaml")
    assert result.code == 1
    assert "needs a token: set QUOTABULK_TOKEN or QUOTABULK_TOKEN_FILE" in result.err
    monkeypatch.setenv("QUOTABULK_API_URL", "ftp://example")
    assert "must start with http://" in cli("plan", EXAMPLES / "quotas.yaml").err

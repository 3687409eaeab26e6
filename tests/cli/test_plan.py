from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.test_validate import ALL_EXAMPLES
from tests.conftest import EXAMPLES, CliResult

CURRENT = ["--current", EXAMPLES / "current.yaml"]


def test_offline_plan_of_the_examples(cli: Callable[..., CliResult]) -> None:
    result = cli("plan", *ALL_EXAMPLES, *CURRENT)
    assert result.code == 0
    lines = result.out.strip().splitlines()
    assert lines[-1] == "Plan: 3 to add, 4 to edit, 2 to delete, 5 unchanged."
    assert (
        "~ 79123456789  1000 ₽ (warn at 800, block) → 1500 ₽ (warn at 1200, block)  [" in result.out
    )
    assert {line[0] for line in lines[:-1]} == {"+", "~", "-"}


def test_plan_json_and_out_file(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = cli("plan", *ALL_EXAMPLES, *CURRENT, "--format", "json", "--out", out)
    body = json.loads(result.out)
    assert body == json.loads(out.read_text("utf-8"))
    assert body["format_version"] == 2
    assert body["summary"] == {"add": 3, "edit": 4, "delete": 2, "unchanged": 5}
    first = body["actions"][0]
    assert first == {
        "source": f"{EXAMPLES / 'quotas.yaml'}:6",
        "msisdn": "79123456789",
        "action": "edit",
        "version": 0,
        "before": {"limit": "1000", "warn_at": "800", "on_exceed": "block"},
        "after": {"limit": "1500", "warn_at": "1200", "on_exceed": "block"},
        "extras": {"name": "Иванов И.И."},
    }
    assert body["account"] == "ACC-100200"
    assert len(body["digest"]) == 64
    assert body["operator"] == "file:current.yaml"


def test_detailed_exitcode(cli: Callable[..., CliResult]) -> None:
    assert cli("plan", *ALL_EXAMPLES, *CURRENT, "--detailed-exitcode").code == 2
    same = cli("plan", EXAMPLES / "current.yaml", *CURRENT, "--detailed-exitcode")
    assert same.code == 0
    assert "Plan: 0 to add, 0 to edit, 0 to delete, 15 unchanged." in same.out


def test_strict_plan_refuses_invalid_rows_and_lists_them(
    cli: Callable[..., CliResult], text_file: Callable[..., Path]
) -> None:
    sheet = text_file("q.csv", "Номер;Лимит\n79123456789;900\n79990000000;5\n89161000002;\n")
    strict = cli("plan", sheet, *CURRENT)
    assert strict.code == 1
    assert f"{sheet}:4, column «Лимит»: the limit is empty" in strict.err
    assert strict.out == ""
    # --skip-invalid plans the valid rows; the unknown subscriber is reported, not planned
    loose = cli("plan", sheet, *CURRENT, "--skip-invalid")
    assert loose.code == 0
    assert "79990000000 is not a subscriber of this account" in loose.err
    assert "Plan: 0 to add, 1 to edit, 0 to delete, 0 unchanged." in loose.out


def test_prune_deletes_the_unmentioned_within_max_deletes(cli: Callable[..., CliResult]) -> None:
    refused = cli("plan", EXAMPLES / "quotas.yaml", *CURRENT, "--prune", "--max-deletes", "8")
    assert refused.code == 1
    assert refused.err.strip() == (
        "Error: --prune would delete 9 quotas that no input mentions, more than --max-deletes 8; "
        "check the inputs, or raise --max-deletes to allow it"
    )
    allowed = cli("plan", EXAMPLES / "quotas.yaml", *CURRENT, "--prune")
    assert allowed.code == 0
    assert allowed.out.count("removed  [--prune]") == 9


def test_a_wrong_operator_timeout_is_a_usage_error_in_one_sentence(
    cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = cli("plan", *ALL_EXAMPLES, "--operator-timeout", "soon")
    assert wrong.code == 1
    assert wrong.err.strip() == (
        "Error: --operator-timeout: 'soon' is not a duration such as 90s, 2m or 1h"
    )
    monkeypatch.setenv("QUOTABULK_OPERATOR_TIMEOUT", "0s")
    zero = cli("history")
    assert zero.code == 1
    assert "QUOTABULK_OPERATOR_TIMEOUT must be more than 0" in zero.err

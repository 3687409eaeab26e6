"""Every file under examples/ is validated and planned, as the README promises."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import EXAMPLES, CliResult

INPUTS = sorted(
    p for p in EXAMPLES.iterdir() if p.suffix in {".yaml", ".xlsx", ".csv"} and p.stem != "columns"
)


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_example_validates_and_plans(cli: Callable[..., CliResult], path: object) -> None:
    assert cli("validate", path).code == 0
    result = cli("plan", path, "--current", EXAMPLES / "current.yaml")
    assert result.code == 0
    assert result.out.splitlines()[-1].startswith("Plan: ")


def test_example_column_mapping_is_readable(cli: Callable[..., CliResult]) -> None:
    result = cli("validate", "--columns", EXAMPLES / "columns.yaml", EXAMPLES / "quotas.csv")
    # The mapping replaces the names of msisdn and limit, so the CSV's own headers no longer match.
    assert result.code == 1
    assert "no header row" in result.err

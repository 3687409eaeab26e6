from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from quotabulk.cli.main import COMMANDS, main
from tests.conftest import EXAMPLES, CliResult

ALL_EXAMPLES = [
    EXAMPLES / "quotas.yaml",
    EXAMPLES / "finance_workbook.xlsx",
    EXAMPLES / "quotas.csv",
]


def test_examples_validate(cli: Callable[..., CliResult]) -> None:
    result = cli("validate", *ALL_EXAMPLES)
    assert result.code == 0
    assert result.out.strip() == "14 rows read, all valid."
    assert "«Инструкция» skipped: it has no phone numbers" in result.err


def test_json_lists_every_error_with_source_column_and_message(
    cli: Callable[..., CliResult], text_file: Callable[..., Path]
) -> None:
    sheet = text_file("q.csv", "Номер;Лимит, руб.\n123;100\n89161000002;1 5OO\n89161000003;10\n")
    result = cli("validate", "--format", "json", sheet)
    assert result.code == 1
    body = json.loads(result.out)
    assert (body["rows"], body["valid"]) == (3, 1)
    assert body["errors"] == [
        {
            "source": f"{sheet}:2",
            "column": "Номер",
            "message": "'123' is not a Russian number of 11 digits (7XXXXXXXXXX)",
            "code": "QB112",
            "parts": {"value": "'123'"},
        },
        {
            "source": f"{sheet}:3",
            "column": "Лимит, руб.",
            "message": "'1 5OO' is not an amount",
            "code": "QB101",
            "parts": {"value": "'1 5OO'"},
        },
    ]


def test_a_broken_file_is_one_sentence_and_exit_1(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    fake = tmp_path / "q.xlsx"
    fake.write_text("not a workbook", encoding="utf-8")
    result = cli("validate", fake)
    assert result.code == 1
    assert result.err.strip().splitlines() == [
        f"Error: {fake}: is not a .xlsx workbook; was it saved as another format?"
    ]
    assert "Traceback" not in result.err


def test_usage_errors_exit_1_not_2(cli: Callable[..., CliResult]) -> None:
    assert cli("validate", "--no-such-flag").code == 1
    assert cli("validate").code == 1
    assert cli("no-such-command").code == 1


@pytest.mark.parametrize(
    "command", [[name] for name in COMMANDS] + [["sandbox", "seed"], ["sandbox", "serve"]]
)
def test_every_command_has_help(cli: Callable[..., CliResult], command: list[str]) -> None:
    result = cli(*command, "--help")
    assert result.code == 0
    assert "Usage: quotabulk" in result.out
    summary = result.out.split("\n\n")[1].strip()
    assert len(summary) > 20  # a sentence saying what the command does


def test_a_bug_is_one_line_exit_70_and_a_log(
    quotabulk_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: object, **__: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("quotabulk.cli.validate.read_inputs", explode)
    code = main(["validate", str(EXAMPLES / "quotas.yaml")])
    err = capsys.readouterr().err
    assert code == 70
    assert err.count("\n") == 1
    assert "Internal error: ZeroDivisionError" in err
    [log] = (quotabulk_home / "logs").iterdir()
    assert "Traceback" in log.read_text("utf-8")
    assert "boom" in log.read_text("utf-8")


def test_ctrl_c_exits_130(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("quotabulk.cli.validate.read_inputs", interrupt)
    assert main(["validate", str(EXAMPLES / "quotas.yaml")]) == 130


def test_the_terminal_shows_a_thousand_problems_and_counts_the_rest(
    cli: Callable[..., CliResult], text_file: Callable[..., Path]
) -> None:
    long_value = "9" * 5000
    rows = "".join(f"7916{n:07d};abc\n" for n in range(2499)) + f"79161234567;{long_value}\n"
    sheet = text_file("bad.csv", "Номер;Лимит\n" + rows)
    shown = cli("validate", sheet)
    assert shown.code == 1
    lines = shown.out.splitlines()
    assert len(lines) == 1002  # a thousand problems, the count of the rest, the verdict
    assert lines[1000] == "… and 1500 more problems (`--format json` lists every one)"
    every = cli("validate", sheet, "--format", "json")
    body = json.loads(every.out)
    assert len(body["errors"]) == 2500
    clipped = body["errors"][-1]["message"]
    assert len(clipped) < 200  # a cell's text is cut to a hundred characters and «…»
    assert "9" * 100 + "…" in clipped

"""`quotabulk validate FILE...`: load and validate only; no network."""

from __future__ import annotations

import json
from pathlib import Path

import click

from quotabulk.cli.options import input_files, output_format, read_inputs
from quotabulk.cli.render import echo_problems
from quotabulk.domain.errors import EXIT_INPUT, EXIT_OK, InputError


@click.command("validate")
@input_files
@output_format
def validate(
    files: tuple[Path, ...],
    columns_file: Path | None,
    sheets: tuple[str, ...],
    skip_invalid: bool,
    output_format: str,
) -> int:
    """Load and validate FILE... (.yaml, .xlsx, .xls, .ods, .csv) without touching the network.

    Every problem is listed with its file:sheet:row and column. Exit 0 when every row is
    valid, 1 otherwise (--skip-invalid changes nothing here: validate only reports).
    """
    try:
        loaded = read_inputs(files, columns_file, sheets)
    except InputError as exc:
        if output_format != "json":
            raise
        error = {"source": exc.location, "column": exc.column, "message": exc.reason}
        click.echo(json.dumps({"rows": 0, "valid": 0, "errors": [error]}, ensure_ascii=False))
        return EXIT_INPUT
    problems = sorted(
        (p for row in loaded.invalid for p in row.problems), key=lambda p: _order(p.source)
    )
    if output_format == "json":
        body = {
            "rows": loaded.row_count,
            "valid": len(loaded.rows),
            "errors": [
                {"source": p.source, "column": p.column, "message": p.message} for p in problems
            ],
            "notices": loaded.notices,
        }
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        for notice in loaded.notices:
            click.echo(notice, err=True)
        echo_problems(problems, err=False)
        invalid = len(loaded.invalid)
        verdict = f"{len(loaded.rows)} valid, {invalid} invalid" if invalid else "all valid"
        click.echo(f"{loaded.row_count} rows read, {verdict}.")
    return EXIT_INPUT if loaded.invalid else EXIT_OK


def _order(source: str) -> tuple[str, int]:
    head, _, tail = source.rpartition(":")
    return (head, int(tail)) if tail.isdigit() else (source, 0)

"""`quotabulk validate FILE...`: load and validate only; no network."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import click

from quotabulk.cli.options import input_files, output_format, read_inputs
from quotabulk.cli.render import echo_problems
from quotabulk.cli.speech import _, lang_option, n_, said
from quotabulk.domain.errors import EXIT_INPUT, EXIT_OK, InputError
from quotabulk.domain.models import Loaded


@click.command("validate")
@input_files
@output_format
@lang_option
def validate(
    files: tuple[Path, ...],
    columns_file: Path | None,
    hidden: str | None,
    sheets: tuple[str, ...],
    skip_invalid: bool,
    output_format: str,
    lang: str | None,  # taken by its callback: the command speaks it
) -> int:
    """Load and validate FILE... (.yaml, .xlsx, .xls, .ods, .csv) without touching the network.

    Every problem is listed with its file:sheet:row and column. Exit 0 when every row is
    valid, 1 otherwise (--skip-invalid changes nothing here: validate only reports).
    """
    try:
        loaded = read_inputs(files, columns_file, sheets, hidden)
    except InputError as exc:
        if output_format != "json":
            raise
        error = {"source": exc.location, "column": exc.column, "message": str(exc.reason)}
        if exc.text is not None:
            error |= exc.text.to_json()
        click.echo(json.dumps({"rows": 0, "valid": 0, "errors": [error]}, ensure_ascii=False))
        return EXIT_INPUT
    problems = sorted(
        (p for row in loaded.invalid for p in row.problems), key=lambda p: _order(p.source)
    )
    if output_format == "json":
        body = {
            "rows": loaded.row_count,
            "valid": len(loaded.rows),
            "errors": [{"source": p.source} | p.to_json() for p in problems],
            "notices": [str(notice) for notice in loaded.notices],
            **({"accounts": _accounts(loaded)} if len(loaded.named_accounts()) > 1 else {}),
        }
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        for notice in loaded.notices:
            click.echo(said(notice), err=True)
        echo_problems(problems, err=False)
        invalid = len(loaded.invalid)
        read = n_("{n} row read", "{n} rows read", loaded.row_count)
        verdict = (
            _("{valid} valid, {invalid} invalid").format(valid=len(loaded.rows), invalid=invalid)
            if invalid
            else _("all valid")
        )
        click.echo(f"{read}, {verdict}.")
        if len(loaded.named_accounts()) > 1:  # a holding's workbook: the rows by account
            unnamed = _("no account named")
            by_account = ", ".join(f"{a or unnamed}: {n}" for a, n in _accounts(loaded).items())
            click.echo(_("Valid rows by account: {accounts}.").format(accounts=by_account))
    return EXIT_INPUT if loaded.invalid else EXIT_OK


def _accounts(loaded: Loaded) -> dict[str, int]:
    """Valid rows per account the rows name ("" for rows that name none: the configured
    account's); no network, so the configured account is not asked for."""
    found = Counter(row.account or "" for row in loaded.rows)
    return dict(sorted(found.items()))


def _order(source: str) -> tuple[str, int]:
    head, _, tail = source.rpartition(":")
    return (head, int(tail)) if tail.isdigit() else (source, 0)

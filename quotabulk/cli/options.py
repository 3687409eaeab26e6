"""Options shared by several commands, declared once."""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from quotabulk.app.planning import load_options, validate
from quotabulk.cli.speech import said
from quotabulk.domain.errors import ValidationFailed
from quotabulk.domain.models import Loaded

F = TypeVar("F", bound=Callable[..., Any])


def output_format(func: F) -> F:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="text for people, json for scripts (on stdout)",
    )(func)


def input_files(func: F) -> F:
    """FILE... plus --columns, --sheet, --hidden and --skip-invalid."""
    func = click.option(
        "--hidden",
        type=click.Choice(["read", "skip"]),
        default=None,
        help="hidden rows and hidden managed columns: read them, or leave them out "
        "(without it a workbook that has any stops, naming them)",
    )(func)
    func = click.option(
        "--skip-invalid",
        is_flag=True,
        help="go on with the valid rows and report the invalid ones (strict by default)",
    )(func)
    func = click.option(
        "--sheet",
        "sheets",
        multiple=True,
        metavar="NAME",
        help="read only this sheet of each workbook (repeatable); it must have a header",
    )(func)
    func = click.option(
        "--columns",
        "columns_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="a YAML mapping file: more header names per field (`columns: {limit: Лимит на "
        "месяц}`), `ignore:`, `sheets:` and `hidden:`",
    )(func)
    return click.argument("files", nargs=-1, type=click.Path(path_type=Path), metavar="FILE...")(
        func
    )


def read_inputs(
    files: Sequence[Path],
    columns_file: Path | None,
    sheets: Sequence[str],
    hidden: str | None = None,
    day: date | None = None,
) -> Loaded:
    """Load the inputs with the garbage collector paused, then freeze what was loaded.
    Loading makes millions of small objects and no cycles; the collector's passes over
    them cost half the time at 1M rows. Only a command may do this to its process (the
    console, a server with other threads, must not), so it is done here, in the CLI."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return validate(list(files), load_options(columns_file, sheets, hidden, day))
    finally:
        # What was loaded lives until the command ends: frozen, later collections (while
        # 100k subscribers are listed and planned) do not walk it again and again.
        gc.freeze()
        if enabled:
            gc.enable()


def load_checked(
    files: Sequence[Path],
    columns_file: Path | None,
    sheets: Sequence[str],
    skip_invalid: bool,
    hidden: str | None = None,
    day: date | None = None,
) -> Loaded:
    """Load the inputs; in strict mode any invalid row fails the command before any I/O."""
    loaded = read_inputs(files, columns_file, sheets, hidden, day)
    if loaded.invalid and not skip_invalid:
        raise ValidationFailed.of_rows(loaded.invalid)
    return loaded


def echo_notices(loaded: Loaded) -> None:
    for notice in loaded.notices:
        click.echo(said(notice), err=True)

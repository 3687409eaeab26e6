"""`quotabulk export --out FILE`: the operator's current quotas as an input file."""

from __future__ import annotations

from pathlib import Path

import click

from quotabulk.cli.operator_session import fetch_current
from quotabulk.config import load_settings
from quotabulk.domain.errors import EXIT_OK
from quotabulk.formats.export import export_state


@click.command("export")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="FILE.xlsx, FILE.csv or FILE.yaml",
)
def export_command(out: Path) -> int:
    """Write the current quotas in the input format: edit the file, then `plan` it.

    Subscribers without a quota are written with «удалить», so planning the unedited
    file shows no changes.
    """
    settings = load_settings()
    account = settings.resolve_account()
    account, current = fetch_current(settings, account)
    count = export_state(current.values(), out, account)
    click.echo(f"Exported {count} subscribers of {account} to {out}.")
    return EXIT_OK

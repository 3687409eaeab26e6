"""`quotabulk export --out FILE`: the operator's current quotas as an input file."""

from __future__ import annotations

from pathlib import Path

import click

from quotabulk.app.exporting import check_export_path, export
from quotabulk.cli.running import echo_target, operator_timeout_option, workspace
from quotabulk.cli.speech import n_
from quotabulk.domain.errors import EXIT_OK


@click.command("export")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="FILE.xlsx, FILE.csv or FILE.yaml",
)
@operator_timeout_option
def export_command(out: Path, operator_timeout: str | None) -> int:
    """Write the current quotas in the input format: edit the file, then `plan` it.

    Subscribers without a quota are written with «удалить», so planning the unedited
    file shows no changes.
    """
    check_export_path(out)
    space = workspace(operator_timeout)
    echo_target(space)
    account, count = export(space, out)
    exported = n_(
        "Exported {n} subscriber of {account} to {path}.",
        "Exported {n} subscribers of {account} to {path}.",
        count,
    )
    click.echo(exported.format(account=account, path=out))
    return EXIT_OK

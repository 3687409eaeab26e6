"""`quotabulk runs` and `quotabulk show RUN_ID`: past runs from the local journal."""

from __future__ import annotations

import json

import click

from quotabulk.cli.options import output_format
from quotabulk.cli.run_output import echo_run, run_json
from quotabulk.config import load_settings
from quotabulk.domain.errors import EXIT_OK, UsageError
from quotabulk.store.journal import Journal


def _journal() -> Journal:
    path = load_settings().home / "journal.db"
    if not path.exists():
        raise UsageError(f"no runs yet: {path} does not exist")
    return Journal(path)


@click.command("runs")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@output_format
def runs_command(limit: int, output_format: str) -> int:
    """List past runs, newest first, with their counts per outcome."""
    journal = _journal()
    try:
        runs = journal.runs(limit)
    finally:
        journal.close()
    if output_format == "json":
        click.echo(
            json.dumps(
                [run_json(r, all_rows=False) | {"rows": len(r.rows)} for r in runs], indent=2
            )
        )
        return EXIT_OK
    for run in runs:
        counts = ", ".join(f"{n} {name}" for name, n in run.counts().items() if n)
        click.echo(f"{run.run_id}  {run.started_at}  {run.account}  {run.status:<11}  {counts}")
    if not runs:
        click.echo("No runs yet.")
    return EXIT_OK


@click.command("show")
@click.argument("run_id")
@output_format
def show_command(run_id: str, output_format: str) -> int:
    """Show every row of one run: action, request number, status, outcome."""
    journal = _journal()
    try:
        try:
            run = journal.run(run_id)
        except KeyError:
            raise UsageError(f"no run {run_id}; `quotabulk runs` lists them") from None
    finally:
        journal.close()
    if output_format == "text":
        click.echo(f"Run {run.run_id} on {run.account} ({run.status}), started {run.started_at}")
    echo_run(run, output_format, all_rows=True)
    return EXIT_OK

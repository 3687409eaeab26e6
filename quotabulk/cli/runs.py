"""`quotabulk runs` and `quotabulk show RUN_ID`: past runs from the local journal."""

from __future__ import annotations

import json
from pathlib import Path

import click

from quotabulk.app.reports import check_report_path
from quotabulk.app.runs import list_runs, rebuild_report, run_json, show_run
from quotabulk.cli.options import output_format
from quotabulk.cli.run_output import echo_run
from quotabulk.cli.running import report_language, workspace
from quotabulk.cli.speech import _, lang_option, run_counts, run_status_text, when
from quotabulk.domain.errors import EXIT_OK


@click.command("runs")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@output_format
def runs_command(limit: int, output_format: str) -> int:
    """List past runs, newest first, with their counts per outcome."""
    runs = list_runs(workspace(), limit)
    if output_format == "json":
        click.echo(
            json.dumps(
                [run_json(r, all_rows=False) | {"rows": len(r.rows)} for r in runs], indent=2
            )
        )
        return EXIT_OK
    for run in runs:
        counts = run_counts(run)
        status = run_status_text(run)
        click.echo(f"{run.run_id}  {when(run.started_at)}  {run.account}  {status:<11}  {counts}")
    if not runs:
        click.echo(_("No runs yet."))
    return EXIT_OK


@click.command("show")
@click.argument("run_id")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="rebuild the run's report from the journal: .xlsx, .csv or .json",
)
@lang_option
@output_format
def show_command(
    run_id: str, report_path: Path | None, lang: str | None, output_format: str
) -> int:
    """Show every row of one run: action, request number, status, outcome."""
    space = workspace()
    if report_path is not None:
        check_report_path(report_path)
        written = rebuild_report(space, run_id, report_path, report_language(lang))
        click.echo(_("Report: {path}").format(path=written), err=True)
    run = show_run(space, run_id)
    if output_format == "text":
        head = _("Run {run} on {account} ({status}), started {at}")
        status, at = run_status_text(run), when(run.started_at)
        click.echo(head.format(run=run.run_id, account=run.account, status=status, at=at))
    echo_run(run, output_format, all_rows=True)
    return EXIT_OK

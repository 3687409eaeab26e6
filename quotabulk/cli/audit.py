"""`quotabulk audit RUN_ID --out FILE`: a run's audit trail from the journal."""

from __future__ import annotations

from pathlib import Path

import click

from quotabulk.app.auditing import write_run_audit
from quotabulk.cli.running import report_language, workspace
from quotabulk.cli.speech import _, lang_option
from quotabulk.domain.errors import EXIT_OK


@click.command("audit")
@click.argument("run_id")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="write the trail: .xlsx or .json",
)
@lang_option
def audit_command(run_id: str, out: Path, lang: str | None) -> int:
    """Who submitted and who approved the run's plan and when, the plan's and the files'
    digests, who started the run, and every request number and outcome."""
    written = write_run_audit(workspace(), run_id, out, report_language(lang))
    click.echo(_("Audit: {path}").format(path=written), err=True)
    return EXIT_OK

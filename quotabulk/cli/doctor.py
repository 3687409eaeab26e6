"""`quotabulk doctor`: check the home's journal before a run needs it."""

from __future__ import annotations

import click

from quotabulk.app.doctor import check_home
from quotabulk.cli.running import workspace
from quotabulk.cli.speech import _, n_
from quotabulk.domain.errors import EXIT_INPUT, EXIT_OK

MAX_SHOWN = 20


@click.command("doctor")
def doctor_command() -> int:
    """Check the home: the journal's integrity (SQLite's own check), what it still
    holds, and whether others may read it. Exit 0 when healthy, 1 when not."""
    report = check_home(workspace())
    if not report.exists:
        none = _("No journal yet at {path}: nothing has run from this home.")
        click.echo(none.format(path=report.journal))
        return EXIT_OK
    if report.healthy:
        runs = report.runs or 0
        healthy = n_("{path}: healthy; {n} run in it.", "{path}: healthy; {n} runs in it.", runs)
        click.echo(healthy.format(path=report.journal))
        return EXIT_OK
    for problem in report.problems[:MAX_SHOWN]:
        click.echo(f"  {problem}", err=True)
    damaged = _(
        "Error: {path} is damaged; move it aside (its past runs stay readable there for "
        "`sqlite3 .recover`) and run the command again to start a new journal."
    )
    click.echo(damaged.format(path=report.journal), err=True)
    return EXIT_INPUT

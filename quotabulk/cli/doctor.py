"""`quotabulk doctor`: check the home's journal before a run needs it."""

from __future__ import annotations

import click

from quotabulk.app.doctor import ask_operator, check_home
from quotabulk.app.workspace import Workspace
from quotabulk.cli.running import workspace
from quotabulk.cli.speech import _, n_
from quotabulk.domain.errors import EXIT_INPUT, EXIT_OK

MAX_SHOWN = 20


@click.command("doctor")
@click.option(
    "--operator",
    "ask",
    is_flag=True,
    help="also make one call of each read at the operator and print its raw answers",
)
def doctor_command(ask: bool) -> int:
    """Check the home: the journal's integrity (SQLite's own check), what it still
    holds, and whether others may read it. Exit 0 when healthy, 1 when not."""
    space = workspace()
    code = _home(space)
    if ask:
        code = max(code, _operator(space))
    return code


def _operator(space: Workspace) -> int:
    """The answers as they came, secrets blanked: what a real account says, to compare
    with the dialect's model before the first change. Nothing is changed."""
    answers = ask_operator(space)
    heading = _("Operator {url} ({dialect}), account {account}: one call of each read.")
    click.echo(heading.format(url=answers.url, dialect=answers.dialect, account=answers.account))
    for read in answers.reads:
        status = str(read.status) if read.status is not None else _("no answer")
        click.echo(f"\n{read.method} {read.path} → {status}  ({read.name})")
        click.echo(read.body)
    if answers.as_expected:
        return EXIT_OK
    click.echo(_("Error: the operator refused or did not answer a read (above)."), err=True)
    return EXIT_INPUT


def _home(space: Workspace) -> int:
    report = check_home(space)
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

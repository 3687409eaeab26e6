"""`quotabulk apply FILE...` / `apply --plan PLAN.json`: plan, confirm, execute, verify."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from quotabulk.commands.options import echo_notices, input_files, load_checked, output_format
from quotabulk.commands.progress import progress_for_stderr
from quotabulk.commands.render import plan_lines
from quotabulk.commands.run_output import echo_run
from quotabulk.config import load_settings
from quotabulk.errors import EXIT_OK, UsageError, ValidationFailed
from quotabulk.execute import ExecuteOptions
from quotabulk.load import Loaded
from quotabulk.models import Subscriber
from quotabulk.operator.connect import target_notice
from quotabulk.outcomes import RunResult
from quotabulk.plan import DEFAULT_MAX_DELETES, PlanOptions, plan
from quotabulk.plan_file import read_plan_file, refuse_if_stale
from quotabulk.runner import PlannedRun, RunSpec, fingerprint, run_apply

F = TypeVar("F", bound=Callable[..., Any])
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smh]?)$")


def parse_wait(text: str) -> float:
    match = _DURATION.match(text.strip())
    if not match:
        raise click.BadParameter(f"'{text}' is not a duration such as 600, 90s, 10m or 1h")
    return float(match[1]) * {"": 1, "s": 1, "m": 60, "h": 3600}[match[2]]


def execution_options(func: F) -> F:
    """--prune, --max-deletes, --concurrency, --rate-limit, --wait (apply and reconcile)."""
    for option in reversed(
        [
            click.option("--prune", is_flag=True, help="also delete quotas no input mentions"),
            click.option(
                "--max-deletes",
                type=click.IntRange(min=0),
                default=DEFAULT_MAX_DELETES,
                show_default=True,
                help="refuse --prune beyond this many deletions",
            ),
            click.option(
                "--concurrency",
                type=click.IntRange(1, 64),
                default=8,
                show_default=True,
                help="requests in flight at once",
            ),
            click.option(
                "--rate-limit",
                type=click.FloatRange(min=0.1),
                default=10.0,
                show_default=True,
                help="requests per second, at most",
            ),
            click.option(
                "--wait",
                "wait",
                default="10m",
                show_default=True,
                help="how long to follow requests before leaving them pending",
            ),
        ]
    ):
        func = option(func)
    return func


def files_spec(
    command: str,
    files: tuple[Path, ...],
    loaded: Loaded,
    prune: bool,
    max_deletes: int,
    skip_invalid: bool,
) -> RunSpec:
    """What `apply FILE...` and `reconcile FILE...` plan, and the identity a rerun resumes."""
    options = PlanOptions(prune=prune, max_deletes=max_deletes)

    def build(current: dict[str, Subscriber]) -> PlannedRun:
        planned = plan(loaded.rows, current, options)
        if planned.problems and not skip_invalid:
            raise ValidationFailed([p for row in planned.problems for p in row.problems])
        return PlannedRun(planned, loaded.invalid)

    digest = fingerprint(
        command, options, skip_invalid, loaded.rows, [r.source for r in loaded.invalid]
    )
    msisdns = frozenset(row.msisdn for row in loaded.rows)
    return RunSpec(command, tuple(map(str, files)), digest, build, msisdns)


def plan_file_spec(path: Path) -> tuple[RunSpec, str | None]:
    saved = read_plan_file(path)

    def build(current: dict[str, Subscriber]) -> PlannedRun:
        refuse_if_stale(saved, current)
        return PlannedRun(saved.plan, saved.invalid)

    msisdns = frozenset(a.msisdn for a in saved.plan.actions)
    return RunSpec(
        "apply", (str(path),), f"plan:{saved.fingerprint}", build, msisdns
    ), saved.account


def ask(yes: bool) -> Callable[[PlannedRun | None, RunResult | None], bool]:
    def confirm(planned: PlannedRun | None, resumed: RunResult | None) -> bool:
        if resumed is not None:
            open_rows = sum(
                1 for r in resumed.rows if not r.outcome.settled or r.outcome.value == "pending"
            )
            click.echo(f"Resuming run {resumed.run_id} ({open_rows} rows still open).", err=True)
            return yes or click.confirm("Continue it?", default=True, err=True)
        assert planned is not None
        for line in plan_lines(planned.plan):
            click.echo(line, err=True)
        changes = len(planned.plan.changes)
        if not changes or yes:
            return True
        return click.confirm(f"Send {changes} requests to the operator?", default=False, err=True)

    return confirm


def run_command(
    spec: RunSpec,
    account: str | None,
    options: ExecuteOptions,
    yes: bool,
    output: str,
) -> tuple[int, RunResult | None]:
    settings = load_settings()
    account = settings.resolve_account({account} if account else None)
    notice = target_notice(settings)
    if notice:
        click.echo(notice, err=True)
    progress = progress_for_stderr()
    try:
        outcome = asyncio.run(run_apply(settings, account, spec, options, progress, ask(yes)))
    finally:
        progress.close()
    if outcome.result is None:
        click.echo("Nothing was sent.", err=True)
        return EXIT_OK, None
    echo_run(outcome.result, output, stats=dict(dataclasses.asdict(outcome.stats)))
    return outcome.result.exit_code, outcome.result


@click.command("apply")
@input_files
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="apply a plan saved with `plan --out` (refused if it went stale)",
)
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
@execution_options
@output_format
def apply_command(
    files: tuple[Path, ...],
    columns_file: Path | None,
    sheets: tuple[str, ...],
    skip_invalid: bool,
    plan_file: Path | None,
    yes: bool,
    prune: bool,
    max_deletes: int,
    concurrency: int,
    rate_limit: float,
    wait: str,
    output_format: str,
) -> int:
    """Plan FILE... against the operator, confirm, send one request per change, follow
    every request to its final status, verify, and print what became of each row.

    Interrupted or killed? Run the same command again: requests already sent are
    followed, not re-sent.
    """
    if not yes and not sys.stdin.isatty():
        raise UsageError("there is no terminal to confirm on: add --yes to apply without asking")
    options = ExecuteOptions(
        concurrency=concurrency, rate_limit=rate_limit, wait_s=parse_wait(wait)
    )
    if plan_file is not None:
        if files:
            raise UsageError("give either FILE... or --plan PLAN.json, not both")
        spec, account = plan_file_spec(plan_file)
    else:
        loaded = load_checked(files, columns_file, sheets, skip_invalid)
        echo_notices(loaded)
        spec = files_spec("apply", files, loaded, prune, max_deletes, skip_invalid)
        account = next(iter(loaded.accounts), None)
    code, _ = run_command(spec, account, options, yes, output_format)
    return code

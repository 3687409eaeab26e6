"""What apply and reconcile share: their options, logging, and the workspace."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from quotabulk.app.workspace import Workspace
from quotabulk.cli.speech import _, lang_option, said
from quotabulk.config import load_settings, parse_duration
from quotabulk.domain.language import Language
from quotabulk.domain.plan import DEFAULT_MAX_DELETES

if TYPE_CHECKING:  # the engine and the log stack (structlog, rich) load only for runs
    from quotabulk.domain.running import ExecuteOptions

F = TypeVar("F", bound=Callable[..., Any])


def parse_wait(text: str) -> float:
    return parse_duration(text, "--wait")


def _apply_options(func: F, options: list[Callable[[F], F]]) -> F:
    for option in reversed(options):
        func = option(func)
    return func


def execution_options(func: F) -> F:
    """--prune, --max-deletes, --concurrency, --rate-limit, --parallel-accounts, --wait,
    --require-approval."""
    return _apply_options(
        func,
        [
            click.option(
                "--require-approval",
                is_flag=True,
                help="run only a plan a maker submitted and another person, a checker,"
                " approved (four eyes); the home's `policy set four-eyes on` implies it",
            ),
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
                type=RateLimit(),
                default="10",
                show_default=True,
                help="requests per second, at most; or both budgets of an operator: 3/s,60/min",
            ),
            click.option(
                "--parallel-accounts",
                type=click.IntRange(1, 16),
                default=1,
                show_default=True,
                help="accounts run at once when the inputs name several (they share the"
                " token's --rate-limit)",
            ),
            click.option(
                "--wait",
                "wait",
                default="10m",
                show_default=True,
                help="how long to follow requests before leaving them pending",
            ),
        ],
    )


def notify_options(func: F) -> F:
    """--notify TARGET (repeatable) and --notify-on: who hears of the run's result."""
    return _apply_options(
        func,
        [
            click.option(
                "--notify",
                "notify",
                multiple=True,
                metavar="TARGET",
                help="mail the result (mailto:finance@corp.example) or post it to a webhook"
                " (https://…); repeatable [default: $QUOTABULK_NOTIFY]",
            ),
            click.option(
                "--notify-on",
                type=click.Choice(["always", "changes", "problems"]),
                default="changes",
                show_default=True,
                help="changes: something was sent or is not fine; problems: only the latter",
            ),
        ],
    )


def report_options(default_log_format: str | None) -> Callable[[F], F]:
    """--report, --csv-delimiter, --lang, --log-format."""

    def decorate(func: F) -> F:
        return _apply_options(
            func,
            [
                click.option(
                    "--report",
                    "report_path",
                    type=click.Path(dir_okay=False, path_type=Path),
                    help="write the reconciliation report: .xlsx, .csv or .json",
                ),
                click.option(
                    "--csv-delimiter",
                    default=";",
                    show_default=True,
                    type=click.Choice([";", ",", "\t"]),
                    help="for a .csv report",
                ),
                lang_option,
                click.option(
                    "--log-format",
                    type=click.Choice(["console", "json"]),
                    default=default_log_format,
                    help="log lines on stderr [default: "
                    + (default_log_format or "console on a terminal, json otherwise")
                    + "]",
                ),
            ],
        )

    return decorate


def report_language(lang: str | None) -> Language | None:
    return None if lang is None else Language(lang)


class RateLimit(click.ParamType[tuple[float, int | None], object]):
    """`10` or `10/s` (calls a second), `60/min`, or both: `3/s,60/min` → (per second,
    per minute or None)."""

    name = "RATE"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[float, int | None]:
        if isinstance(value, tuple):  # a default already converted
            return (float(value[0]), None if value[1] is None else int(value[1]))
        per_second: float | None = None
        per_minute: int | None = None
        try:
            for part in str(value).replace(" ", "").split(","):
                number, _slash, unit = part.partition("/")
                if unit in ("", "s", "sec"):
                    per_second = float(number)
                elif unit in ("m", "min"):
                    per_minute = int(number)
                else:
                    raise ValueError(part)
        except ValueError:
            self.fail(_("{value} is not a rate: write 10, 3/s or 3/s,60/min").format(value=value))
        if per_second is None:  # a budget a minute only: spread evenly over the minute
            per_second = (per_minute or 0) / 60
        if per_second < 0.01 or (per_minute is not None and per_minute < 1):
            self.fail(_("{value} is not a rate: write 10, 3/s or 3/s,60/min").format(value=value))
        return per_second, per_minute


def execute_options(
    concurrency: int, rate_limit: tuple[float, int | None], wait: str
) -> ExecuteOptions:
    from quotabulk.domain.running import ExecuteOptions

    per_second, per_minute = rate_limit
    return ExecuteOptions(
        concurrency=concurrency,
        rate_limit=per_second,
        per_minute=per_minute,
        wait_s=parse_wait(wait),
    )


def start_logging(log_format: str | None, *, quiet: bool) -> None:
    """INFO lines for row events; only warnings while a progress bar owns the terminal."""
    from quotabulk.logs import configure_logging

    configure_logging(log_format, level=logging.WARNING if quiet else logging.INFO)


def operator_timeout_option(func: F) -> F:
    """--operator-timeout, on every command that talks to the operator."""
    return click.option(
        "--operator-timeout",
        "operator_timeout",
        metavar="DURATION",
        help="give up when the operator gave no good answer for this long (90s, 2m, 1h) "
        "[default: $QUOTABULK_OPERATOR_TIMEOUT, else 2m]",
    )(func)


def echo_target(space: Workspace, log_format: str | None = None) -> None:
    """Say on stderr that the target is the embedded sandbox (not with JSON-only logs)."""
    notice = space.target_notice()
    if notice and log_format != "json":
        click.echo(said(notice), err=True)


def workspace(operator_timeout: str | None = None) -> Workspace:
    """The one workspace a command works in: flags, then the environment. A home that
    other users may read or write is named first, with the command that fixes it."""
    space = Workspace(load_settings(operator_timeout=operator_timeout))
    for warning in space.exposure():
        click.echo(_("Warning: {warning}").format(warning=warning), err=True)
    return space

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
    """--prune, --max-deletes, --concurrency, --rate-limit, --wait, --require-approval."""
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


def execute_options(concurrency: int, rate_limit: float, wait: str) -> ExecuteOptions:
    from quotabulk.domain.running import ExecuteOptions

    return ExecuteOptions(concurrency=concurrency, rate_limit=rate_limit, wait_s=parse_wait(wait))


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

"""`quotabulk sandbox seed` and `quotabulk sandbox serve`: the built-in operator."""

from __future__ import annotations

import secrets
from pathlib import Path

import click

from quotabulk.app.sandbox import (
    DEFAULT_PROCESSING_MS,
    SandboxFaults,
    seed_sandbox,
    serve_sandbox,
)
from quotabulk.config import ENV_TOKEN, load_settings, sandbox_token
from quotabulk.domain import messages as said
from quotabulk.domain.errors import EXIT_OK, UsageError

LOOPBACK = ("127.0.0.1", "localhost", "::1")

db_option = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="the sandbox database [default: $QUOTABULK_HOME/sandbox.db]",
)
Rate = click.FloatRange(0.0, 1.0)


@click.group("sandbox")
def sandbox_group() -> None:
    """The built-in operator sandbox: a real HTTP API on a SQLite file."""


@sandbox_group.command("seed")
@click.option("--subscribers", type=click.IntRange(min=1), help="create N random subscribers")
@click.option("--with-quotas", type=Rate, default=0.5, show_default=True, help="share with a quota")
@click.option("--blocked", type=Rate, default=0.0, show_default=True, help="share blocked")
@click.option("--seed", "seed", type=int, help="random seed, for a repeatable account")
@click.option(
    "--from",
    "from_file",
    type=click.Path(path_type=Path),
    help="take a desired-state file as the current state",
)
@click.option("--account", help="the account to (re)create [default: configured or ACC-100200]")
@db_option
def seed_command(
    subscribers: int | None,
    with_quotas: float,
    blocked: float,
    seed: int | None,
    from_file: Path | None,
    account: str | None,
    db: Path | None,
) -> int:
    """Replace one account's subscribers in the sandbox (its requests are forgotten).

    With --from FILE every msisdn in the file becomes a subscriber; rows with
    `delete: true` (or «удалить») are subscribers without a quota.
    """
    if (subscribers is None) == (from_file is None):
        raise UsageError(said.SEED_ONE_WAY())
    settings = load_settings(account=account)
    seeded, path = seed_sandbox(
        settings,
        db,
        from_file=from_file,
        subscribers=subscribers or 0,
        with_quotas=with_quotas,
        blocked=blocked,
        seed=seed,
    )
    click.echo(f"Seeded {seeded} in {path}.")
    return EXIT_OK


@sandbox_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="address to bind")
@click.option("--port", type=click.IntRange(1, 65535), default=8787, show_default=True)
@click.option("--token", help=f"the bearer token to require [default: ${ENV_TOKEN}, else random]")
@db_option
@click.option(
    "--latency-ms", type=click.IntRange(min=0), default=0, help="delay before each answer"
)
@click.option(
    "--processing-ms",
    type=click.IntRange(min=0),
    default=DEFAULT_PROCESSING_MS,
    show_default=True,
    help="time from a request's number to its final status",
)
@click.option(
    "--rate-limit", type=click.FloatRange(min=0), default=0.0, help="requests/s before 429"
)
@click.option("--error-rate", type=Rate, default=0.0, help="share of calls answered 503")
@click.option("--throttle-rate", type=Rate, default=0.0, help="share of extra 429s")
@click.option(
    "--lost-response-rate", type=Rate, default=0.0, help="share committed, then dropped unanswered"
)
@click.option(
    "--lost-request-rate",
    type=Rate,
    default=0.0,
    help="share dropped unanswered before the operator sees them",
)
@click.option("--reject-rate", type=Rate, default=0.0, help="share of requests rejected")
@click.option("--seed", "seed", type=int, help="random seed for repeatable faults")
@click.option(
    "--dialect",
    type=click.Choice(["quotabulk", "mts-business"]),
    default="quotabulk",
    show_default=True,
    help="which operator API to serve",
)
@click.option(
    "--per-minute", type=click.IntRange(min=0), default=0, help="calls in any minute before 429"
)
@click.option(
    "--token-ttl",
    type=click.IntRange(min=1),
    default=3600,
    show_default=True,
    help="mts-business: seconds a bearer token lives",
)
@click.option(
    "--token-accounts",
    metavar="ACC,ACC",
    help="the only accounts the token may use (the others answer as unknown)",
)
def serve_command(
    host: str,
    port: int,
    token: str | None,
    db: Path | None,
    latency_ms: int,
    processing_ms: int,
    rate_limit: float,
    error_rate: float,
    throttle_rate: float,
    lost_response_rate: float,
    lost_request_rate: float,
    reject_rate: float,
    seed: int | None,
    dialect: str,
    per_minute: int,
    token_ttl: int,
    token_accounts: str | None,
) -> int:
    """Serve the operator API over HTTP until Ctrl-C. Seed it first with `sandbox seed`.

    With --dialect mts-business the client id is `quotabulk-sandbox` and its secret the
    token; --reject-rate does not apply (its events fault for the operator's reasons)."""
    settings = load_settings()
    path = db or settings.sandbox_db
    token = token or sandbox_token()
    if not token:
        token = secrets.token_urlsafe(24)
        click.echo(f"No token given; this run's token is {token}", err=True)
    if host not in LOOPBACK:
        click.echo(f"Warning: serving on {host}, reachable from other machines.", err=True)
    knobs = SandboxFaults(
        latency_ms,
        processing_ms,
        rate_limit,
        error_rate,
        throttle_rate,
        lost_response_rate,
        reject_rate,
        seed,
        "http" if dialect == "quotabulk" else dialect,
        per_minute,
        token_ttl,
        lost_request_rate,
        _accounts(token_accounts),
    )
    click.echo(f"Sandbox operator on http://{host}:{port} with {path}; Ctrl-C stops it.", err=True)
    serve_sandbox(path, token, host, port, knobs)
    return EXIT_OK


def _accounts(listed: str | None) -> frozenset[str] | None:
    if listed is None:
        return None
    return frozenset(part.strip() for part in listed.split(",") if part.strip())

"""`quotabulk serve`: the web console for finance teams."""

from __future__ import annotations

from pathlib import Path

import click

from quotabulk.app import people
from quotabulk.app.workspace import Workspace
from quotabulk.cli.running import RateLimit, execute_options, operator_timeout_option
from quotabulk.cli.speech import _
from quotabulk.config import ENV_CONSOLE_PASSWORD_HASH as ENV_PASSWORD_HASH
from quotabulk.config import console_secrets, load_settings, parse_duration
from quotabulk.domain import messages as said
from quotabulk.domain.errors import EXIT_OK, ConfigError
from quotabulk.logs import configure_logging

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="address to bind")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option(
    "--ssl-certfile",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TLS certificate: required when not on loopback",
)
@click.option("--ssl-keyfile", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--rate-limit", type=RateLimit(), default="10", show_default=True)
@click.option("--concurrency", type=click.IntRange(1, 64), default=8, show_default=True)
@click.option(
    "--hash-password",
    is_flag=True,
    help=f"print a hash for {ENV_PASSWORD_HASH} from a password typed in, and exit",
)
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="HOST",
    help="a host name the console answers to (repeatable) [default: localhost, 127.0.0.1, "
    "[::1], and --host when it is a name]",
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    metavar="ADDRESS",
    help="a reverse proxy (e.g. 127.0.0.1 for nginx on this machine) whose X-Forwarded-For"
    " names the client, for login throttling (repeatable)",
)
@click.option(
    "--four-eyes",
    is_flag=True,
    help="maker–checker: a maker submits a reviewed plan, another user (a checker) approves"
    " it; users come from `quotabulk users add`",
)
@click.option(
    "--keep-uploads",
    default="30d",
    show_default=True,
    metavar="DURATION",
    help="remove uploads untouched this long, unless a submission or a run still needs them",
)
@operator_timeout_option
def serve_command(
    host: str,
    port: int,
    ssl_certfile: Path | None,
    ssl_keyfile: Path | None,
    rate_limit: tuple[float, int | None],
    concurrency: int,
    hash_password: bool,
    allowed_hosts: tuple[str, ...],
    trusted_proxies: tuple[str, ...],
    four_eyes: bool,
    keep_uploads: str,
    operator_timeout: str | None,
) -> int:
    """Serve the web console: upload a sheet, review the plan, approve, download the report.

    It talks to the operator configured as for the CLI (the local sandbox by default).
    It answers only to its own host names (--allowed-host). A password hash in
    QUOTABULK_CONSOLE_PASSWORD_HASH is required on every address when set; bound
    beyond loopback the console needs it, and TLS.
    """
    from quotabulk.console.auth import hash_password as make_hash

    if hash_password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        click.echo(make_hash(password))
        return EXIT_OK
    from quotabulk.console.app import ConsoleConfig, create_console
    from quotabulk.console.server import serve_console

    remote = host not in LOOPBACK
    password_hash, session_secret = console_secrets()
    settings = load_settings(operator_timeout=operator_timeout)
    space = Workspace(settings)
    for warning in space.exposure():
        click.echo(_("Warning: {warning}").format(warning=warning), err=True)
    if four_eyes:
        space.refuse_if_exposed()
    named = people.has_users(space)
    if four_eyes and not named:
        raise ConfigError(said.FOUR_EYES_NEEDS_USERS())
    if remote and (
        (password_hash is None and not named) or ssl_certfile is None or ssl_keyfile is None
    ):
        raise ConfigError(said.REMOTE_NEEDS_TLS(host=host, variable=ENV_PASSWORD_HASH))
    configure_logging()
    config = ConsoleConfig(
        settings,
        execute_options(concurrency, rate_limit, "10m"),
        password_hash=password_hash,
        secure_cookies=ssl_certfile is not None,
        session_secret=session_secret,
        allowed_hosts=_allowed_hosts(host, allowed_hosts),
        four_eyes=four_eyes,
        trusted_proxies=trusted_proxies,
        keep_uploads_s=parse_duration(keep_uploads, "--keep-uploads"),
    )
    scheme = "https" if ssl_certfile else "http"
    console = _("quotabulk console on {url}  (Ctrl-C stops it)")
    click.echo(console.format(url=f"{scheme}://{host}:{port}/"), err=True)
    if settings.embedded:
        sandbox = _("Operator: the local sandbox in {path}.")
        click.echo(sandbox.format(path=settings.sandbox_db), err=True)
    serve_console(create_console(config), host, port, ssl_certfile, ssl_keyfile)
    return EXIT_OK


def _allowed_hosts(host: str, given: tuple[str, ...]) -> tuple[str, ...]:
    if given:
        return given
    from quotabulk.console.context import LOOPBACK_HOSTS

    named = () if host in (*LOOPBACK, "0.0.0.0", "::") else (host,)  # noqa: S104
    return (*LOOPBACK_HOSTS, *named)

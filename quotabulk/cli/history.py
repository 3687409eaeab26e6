"""`quotabulk history`: the operator's request history («История заявок»)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from quotabulk.app.exporting import history
from quotabulk.cli.options import output_format
from quotabulk.cli.running import echo_target, operator_timeout_option, workspace
from quotabulk.cli.speech import _, n_
from quotabulk.domain import messages as said
from quotabulk.domain.errors import EXIT_OK, UsageError
from quotabulk.domain.msisdn import MsisdnError, normalise_msisdn


@click.command("history")
@click.option("--since", help="only requests created since this date or time (ISO 8601)")
@click.option("--msisdn", help="only requests for this number")
@operator_timeout_option
@output_format
def history_command(
    since: str | None, msisdn: str | None, operator_timeout: str | None, output_format: str
) -> int:
    """Show the operator's requests: number, subscriber, operation, status, reason."""
    since_at = _parse_since(since)
    number = None
    if msisdn is not None:
        try:
            number = normalise_msisdn(msisdn)
        except MsisdnError as exc:
            raise UsageError(said.BAD_MSISDN_OPTION(detail=exc.text)) from None
    space = workspace(operator_timeout)
    echo_target(space)
    found = history(space, since_at, number)
    requests = found.requests
    if found.from_journal:
        # Said on stderr: a script reading the list on stdout gets the list alone.
        click.echo(
            _(
                "The operator keeps no history of requests; these are the requests this "
                "home's runs sent (from its journal), with their runs' times."
            ),
            err=True,
        )
    if output_format == "json":
        items = [
            {
                "request_id": r.request_id,
                "msisdn": r.msisdn,
                "operation": r.operation.value,
                "status": r.status.value,
                "reason": r.reason,
                "created_at": r.created_at.isoformat().replace("+00:00", "Z"),
                "updated_at": r.updated_at.isoformat().replace("+00:00", "Z"),
            }
            for r in requests
        ]
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return EXIT_OK
    for r in requests:
        reason = f"  {r.reason}" if r.reason else ""
        created = r.created_at.strftime("%Y-%m-%d %H:%M:%S")
        click.echo(
            f"{r.request_id}  {created}  {r.msisdn}  {r.operation:<6}  {r.status:<11}{reason}"
        )
    click.echo(n_("{n} request.", "{n} requests.", len(requests)))
    return EXIT_OK


def _parse_since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(said.BAD_SINCE(text=text)) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

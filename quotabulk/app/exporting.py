"""Use cases that read the operator for a person: export and the request history."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from quotabulk.app.planning import current_state
from quotabulk.app.workspace import Workspace
from quotabulk.domain.requests import Request
from quotabulk.formats.export import check_export_path as _check_export_path
from quotabulk.formats.export import export_state


def check_export_path(path: Path) -> None:
    """Refuse an export file of a kind quotabulk does not write, before asking anyone."""
    _check_export_path(path)


def export(workspace: Workspace, out: Path) -> tuple[str, int]:
    """Write the current quotas in the input format; returns the account and the count."""
    account = workspace.settings.resolve_account()
    account, _, current, _ = asyncio.run(current_state(workspace, account))
    return account, export_state(current.values(), out, account)


@dataclass(frozen=True)
class History:
    """The requests made on the account, and whose list it is: the operator's own, or —
    for an operator that keeps none — what this home's journal sent (`from_journal`)."""

    requests: list[Request]
    from_journal: bool = False


def history(
    workspace: Workspace, since: datetime | None = None, msisdn: str | None = None
) -> History:
    """The operator's request history («История заявок»), or the journal's."""

    async def read() -> History:
        account = workspace.settings.resolve_account()
        async with workspace.operator(account) as operator:
            if operator.capabilities.request_history:
                return History(await operator.history(since, msisdn))
            account = operator.account
        moment = None if since is None else since.astimezone(UTC).isoformat(timespec="seconds")
        with workspace.journal() as journal:
            sent = journal.sent_requests(account, moment and moment.replace("+00:00", "Z"), msisdn)
        return History(sent, from_journal=True)

    return asyncio.run(read())

"""Use cases that read the operator for a person: export and the request history."""

from __future__ import annotations

import asyncio
from datetime import datetime
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


def history(
    workspace: Workspace, since: datetime | None = None, msisdn: str | None = None
) -> list[Request]:
    """The operator's request history («История заявок»)."""

    async def read() -> list[Request]:
        account = workspace.settings.resolve_account()
        async with workspace.operator(account) as operator:
            return await operator.history(since, msisdn)

    return asyncio.run(read())

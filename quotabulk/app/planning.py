"""Use cases that read: validate inputs, plan them against the operator, fetch state."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from quotabulk.app.workspace import Workspace
from quotabulk.domain.errors import ValidationFailed
from quotabulk.domain.models import Subscriber
from quotabulk.domain.plan import Plan, PlanOptions, plan
from quotabulk.domain.state import state_from_rows
from quotabulk.formats.inputs import Loaded, LoadOptions, load_inputs
from quotabulk.operator.connect import ConnectOptions, OnRetry


def validate(paths: Sequence[Path], options: LoadOptions | None = None) -> Loaded:
    """Load and validate inputs; no network. Row problems are in `Loaded.invalid`."""
    return load_inputs(list(paths), options)


def load_checked(
    paths: Sequence[Path], options: LoadOptions | None, *, skip_invalid: bool
) -> Loaded:
    """Load; in strict mode any invalid row fails before anything else happens."""
    loaded = load_inputs(list(paths), options)
    if loaded.invalid and not skip_invalid:
        raise ValidationFailed.of_rows(loaded.invalid)
    return loaded


@dataclass(frozen=True)
class PlanView:
    """A plan and what it was made against."""

    account: str
    operator_url: str
    plan: Plan
    loaded: Loaded


async def current_state(
    workspace: Workspace, account: str | None, on_retry: OnRetry | None = None
) -> tuple[str, str, dict[str, Subscriber]]:
    """The account worked on, the operator's URL and every subscriber; `on_retry` hears
    of every retry (a page says the operator is not answering)."""
    async with workspace.operator(account, ConnectOptions(on_retry=on_retry)) as operator:
        return operator.account, operator.url, await operator.subscribers()


def plan_loaded(
    workspace: Workspace,
    loaded: Loaded,
    options: PlanOptions,
    *,
    skip_invalid: bool,
    current_file: Path | None = None,
    on_retry: OnRetry | None = None,
) -> PlanView:
    """Plan loaded inputs against the operator (or, offline, a state file)."""
    account = workspace.settings.resolve_account(loaded.accounts)
    if current_file is None:
        account, url, current = asyncio.run(current_state(workspace, account, on_retry))
    else:
        current = state_from_rows(load_inputs([current_file]).rows)
        account, url = account or "", f"file:{current_file.name}"
    planned = plan(loaded.rows, current, options)
    if planned.problems and not skip_invalid:
        raise ValidationFailed.of_rows(planned.problems)
    return PlanView(account, url, planned, loaded)

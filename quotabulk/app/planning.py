"""Use cases that read: validate inputs, plan them against the operator, fetch state."""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quotabulk.domain.errors import ValidationFailed
from quotabulk.domain.models import Loaded, Subscriber
from quotabulk.domain.plan import Plan, PlanOptions, plan_loaded_rows
from quotabulk.domain.quota_rules import ANY_QUOTA, QuotaRules, foreign_rules
from quotabulk.domain.state import state_from_rows
from quotabulk.formats.inputs import INPUT_SUFFIXES, LoadOptions, load_inputs

__all__ = ["INPUT_SUFFIXES", "load_options", "plan_loaded", "validate"]
from quotabulk.formats.inputs.mapping import Hidden, read_mapping_file
from quotabulk.formats.plans.write import plan_json
from quotabulk.operator.connect import ConnectOptions, OnRetry

if TYPE_CHECKING:  # `validate` needs no journal nor operator: not imported for it
    from quotabulk.app.workspace import Workspace


def validate(
    paths: Sequence[Path], options: LoadOptions | None = None, names: Sequence[str] = ()
) -> Loaded:
    """Load and validate inputs; no network. Row problems are in `Loaded.invalid`.
    `names`: what sources call the files (default: the paths as given)."""
    return load_inputs(list(paths), options, names)


def load_options(
    columns_file: Path | None,
    sheets: Sequence[str] = (),
    hidden: str | None = None,
    day: date | None = None,
) -> LoadOptions:
    """How to read the inputs: the mapping file (`--columns`), the picked sheets, what
    to do with hidden rows (`--hidden`, else the mapping file's `hidden:`), and the day
    periods are read for (`plan --at`; None: today)."""
    mapping = read_mapping_file(columns_file) if columns_file else None
    options = LoadOptions.of(mapping, tuple(sheets), Hidden(hidden) if hidden else None)
    return options if day is None else dataclasses.replace(options, day=day)


def plan_body(view: PlanView) -> dict[str, Any]:
    """The plan as `plan --format json` prints it and `plan --out` saves it, digest
    included (the machine contract)."""
    return plan_json(view.plan, view.account, view.operator_url, view.loaded.invalid)


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
) -> tuple[str, str, dict[str, Subscriber], QuotaRules]:
    """The account worked on, the operator's URL, every subscriber and what quotas the
    operator accepts; `on_retry` hears of every retry (a page says the operator is not
    answering)."""
    async with workspace.operator(account, ConnectOptions(on_retry=on_retry)) as operator:
        subscribers = await operator.subscribers()
        return operator.account, operator.url, subscribers, await operator.quota_rules()


class Prefetch:
    """The operator's current state, fetched in a thread while the files are read: the
    operator's time to answer hides behind the parsing. Used only when the files turn
    out to name the same account it was fetched for (or none); a failure is raised when
    the state is used, so a bad file is still reported first."""

    def __init__(self, workspace: Workspace) -> None:
        import asyncio

        workspace.load_operator()  # imports on this thread, before the other one starts
        # The account the files resolve to when they name none (the sandbox's, embedded).
        self.account = workspace.settings.resolve_account()
        self._found: tuple[str, str, dict[str, Subscriber], QuotaRules] | None = None
        self._error: BaseException | None = None
        self._loop = asyncio.new_event_loop()
        self._task = self._loop.create_task(current_state(workspace, self.account))

        def fetch() -> None:
            try:
                self._found = self._loop.run_until_complete(self._task)
            except BaseException as exc:  # handed to the caller in `result`
                self._error = exc
            finally:
                self._loop.close()

        self._thread = threading.Thread(target=fetch, name="prefetch-state", daemon=True)
        self._thread.start()

    def result(self) -> tuple[str, str, dict[str, Subscriber], QuotaRules]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        if self._found is None:
            raise RuntimeError("the state was never fetched")
        return self._found

    def cancel(self) -> None:
        """The files failed: stop asking the operator, and wait for the thread to end."""
        if self._thread.is_alive():
            # RuntimeError: the loop closed in between, so it is done already.
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join()


def plan_loaded(
    workspace: Workspace,
    loaded: Loaded,
    options: PlanOptions,
    *,
    skip_invalid: bool,
    current_file: Path | None = None,
    on_retry: OnRetry | None = None,
    prefetched: Prefetch | None = None,
    account: str | None = None,
) -> PlanView:
    """Plan loaded inputs of one account (`holdings.split`; None: the configured one)
    against the operator (or, offline, a state file)."""
    account = account or workspace.settings.resolve_account()
    if current_file is None and prefetched is not None and prefetched.account == account:
        account, url, current, rules = prefetched.result()
    elif current_file is None:
        if prefetched is not None:  # fetched for another account: stop it before asking
            prefetched.cancel()
        import asyncio  # not at the top: `validate` never touches the network

        account, url, current, rules = asyncio.run(current_state(workspace, account, on_retry))
    else:
        current = state_from_rows(load_inputs([current_file]).rows)
        account, url, rules = account or "", f"file:{current_file.name}", ANY_QUOTA
    loaded.notices.extend(foreign_rules(current, loaded))
    planned = plan_loaded_rows(loaded, current, options, rules)
    if planned.problems and not skip_invalid:
        raise ValidationFailed.of_rows(planned.problems)
    return PlanView(account, url, planned, loaded)

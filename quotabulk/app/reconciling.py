"""The nightly use cases besides the run itself: the dry run, and the report of a run
that could not start."""

from __future__ import annotations

import asyncio

from quotabulk.app.planning import current_state
from quotabulk.app.workspace import Workspace
from quotabulk.domain.models import ActionKind
from quotabulk.domain.outcomes import Outcome, RowResult, RunResult, RunStatus
from quotabulk.domain.plan import PlanOptions, plan
from quotabulk.formats.inputs import Loaded
from quotabulk.store.journal import now_iso

DRY_RUN_NOTE = "dry run: nothing was sent"


def unrun_result(
    loaded: Loaded | None, account: str, operator_url: str, inputs: tuple[str, ...], note: str
) -> RunResult:
    """A report's worth of rows for a run that never sent anything: valid rows `skipped`
    with the reason (their state never read), invalid rows `invalid` with theirs."""
    rows: list[RowResult] = []
    if loaded is not None:
        rows += [
            RowResult.skipped(r.source, r.msisdn, r.extras, note, state_known=False)
            for r in loaded.rows
        ]
        rows += [RowResult.invalid(r) for r in loaded.invalid]
        rows += [RowResult.skipped(s.source, s.msisdn, s.extras, s.reason) for s in loaded.skipped]
    stamp = now_iso()
    return RunResult("-", account, operator_url, inputs, stamp, stamp, RunStatus.FAILED, rows)


def dry_run(
    workspace: Workspace,
    account: str | None,
    loaded: Loaded,
    options: PlanOptions,
    inputs: tuple[str, ...],
) -> RunResult:
    """Plan and report the drift; send nothing."""
    account, url, current = asyncio.run(current_state(workspace, account))
    planned = plan(loaded.rows, current, options)
    rows: list[RowResult] = []
    for action in planned.actions:
        unchanged = action.kind is ActionKind.UNCHANGED
        outcome = Outcome.UNCHANGED if unchanged else Outcome.SKIPPED
        rows.append(RowResult.planned(action, outcome, None if unchanged else DRY_RUN_NOTE))
    rows.extend(RowResult.invalid(row) for row in [*loaded.invalid, *planned.problems])
    rows.extend(RowResult.skipped(s.source, s.msisdn, s.extras, s.reason) for s in loaded.skipped)
    stamp = now_iso()
    return RunResult("dry-run", account, url, inputs, stamp, stamp, RunStatus.DRY_RUN, rows)

"""Use cases on the journal: past runs, one run, any run's report rebuilt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from quotabulk.app.reports import ReportRequest, write_run_report
from quotabulk.app.workspace import Workspace
from quotabulk.domain import messages as said
from quotabulk.domain.errors import UsageError
from quotabulk.domain.language import Language
from quotabulk.domain.outcomes import RunResult, RunStatus, holding_result
from quotabulk.formats.reports.columns import row_json
from quotabulk.formats.reports.meta import account_summary


def run_json(result: RunResult, *, all_rows: bool) -> dict[str, Any]:
    """A run as `--format json` prints it (the machine contract: English, with codes);
    the rows that need a person, or all of them."""
    rows = result.rows if all_rows else [r for r in result.rows if r.outcome.needs_attention]
    return {
        "run_id": result.run_id,
        "account": result.account,
        "status": result.status,
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "counts": result.counts(),
        **({"accounts": [account_summary(part) for part in result.parts]} if result.parts else {}),
        "rows": [row_json(row) for row in rows],
    }


def _require_journal(workspace: Workspace) -> None:
    path = workspace.settings.journal_path
    if not path.exists():
        raise UsageError(said.NO_RUNS_YET(path=str(path)))


def list_runs(workspace: Workspace, limit: int = 20) -> list[RunResult]:
    """The newest runs of the journal, newest first; none when there is no journal yet."""
    if not workspace.settings.journal_path.exists():
        return []
    with workspace.journal() as journal:
        return journal.runs(limit)


def run_summaries(workspace: Workspace, limit: int = 50) -> list[RunResult]:
    """The newest runs with their counts per outcome, none of their rows."""
    if not workspace.settings.journal_path.exists():
        return []
    with workspace.journal() as journal:
        return journal.run_summaries(limit)


# The runs of one command over several accounts, as one id: `RUN+RUN+RUN` (the console's
# link to their one report).
RUNS_JOINED = "+"


def show_run(workspace: Workspace, run_id: str) -> RunResult:
    """One run with every row (`RUN+RUN`: the runs of one command over several accounts,
    as one result); `UsageError` for an unknown id."""
    _require_journal(workspace)
    with workspace.journal() as journal:
        try:
            found = [journal.run(one) for one in run_id.split(RUNS_JOINED)]
        except KeyError:
            raise UsageError(said.NO_SUCH_RUN(run=run_id)) from None
    return holding_result(found)


def run_status(workspace: Workspace, run_id: str) -> RunStatus:
    """Where one run stands (`RUN+RUN`: ended when every one has); `UsageError` for an
    unknown id."""
    _require_journal(workspace)
    with workspace.journal() as journal:
        found = [journal.run_status(one) for one in run_id.split(RUNS_JOINED)]
    known = [status for status in found if status is not None]
    if len(known) < len(found):
        raise UsageError(said.NO_SUCH_RUN(run=run_id))
    return next((status for status in known if not status.ended), known[0])


def joined_run_id(result: RunResult) -> str:
    """The id a link names a result by: its run's, or its runs' joined."""
    if not result.parts:
        return result.run_id
    return RUNS_JOINED.join(p.run_id for p in result.parts if p.run_id not in ("", "-"))


def rebuild_report(
    workspace: Workspace, run_id: str, path: Path, lang: Language | None = None
) -> Path:
    """Any run's report, from the journal alone."""
    result = show_run(workspace, run_id)
    return write_run_report(workspace, result, ReportRequest(path, lang=lang))


def plan_in_use(workspace: Workspace, digest: str) -> bool:
    """A plan still needed: a submission of it waits for a checker, or a run of it is
    under way (interrupted or pending)."""
    from quotabulk.store.people import People, SubmissionState

    with workspace.journal() as journal:
        run_id = journal.run_of_plan(digest)
        status = None if run_id is None else journal.run_status(run_id)
        if status is not None and status.resumable:
            return True
        waiting = People(journal).submissions(digest)
        return any(s.state is SubmissionState.PENDING for s in waiting)

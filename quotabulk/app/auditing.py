"""A run's audit trail, from the journal alone: who submitted the plan and when, with
the files' digests; who approved or declined it; who started the run; every request
number and outcome."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from quotabulk.app.workspace import Workspace
from quotabulk.domain import messages as said
from quotabulk.domain.errors import UsageError
from quotabulk.domain.language import Language
from quotabulk.domain.outcomes import RunResult
from quotabulk.formats.audit import write_audit
from quotabulk.store.people import AuditRecord, People

AUDIT_FORMATS = (".xlsx", ".json")


@dataclass(frozen=True)
class AuditView:
    run: RunResult
    digest: str | None  # None: a run from before journal version 3
    trail: tuple[AuditRecord, ...]


def audit_of(workspace: Workspace, run_id: str) -> AuditView:
    with workspace.journal() as journal:
        try:
            run = journal.run(run_id)
        except KeyError:
            raise UsageError(said.NO_RUN_IN(run=run_id, path=str(journal.path))) from None
        digest = journal.plan_digest_of(run_id)
        trail = () if digest is None else tuple(People(journal).trail(digest))
    return AuditView(run, digest, trail)


def write_run_audit(
    workspace: Workspace, run_id: str, path: Path, lang: Language | None = None
) -> Path:
    if path.suffix.lower() not in AUDIT_FORMATS:
        raise UsageError(said.OUT_SUFFIX(kinds=" or ".join(AUDIT_FORMATS), name=path.name))
    view = audit_of(workspace, run_id)
    write_audit(view.run, view.digest, view.trail, path, lang or workspace.settings.language)
    return path

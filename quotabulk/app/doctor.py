"""`quotabulk doctor`: how the home is — the journal's integrity by SQLite's own check,
its version, what it still holds — so a damaged journal is named before a run needs it."""

from __future__ import annotations

from dataclasses import dataclass, field

from quotabulk.app.workspace import Workspace
from quotabulk.domain.errors import QuotabulkError
from quotabulk.store.sqlite_db import integrity_problems


@dataclass(frozen=True)
class HomeReport:
    journal: str
    exists: bool
    problems: tuple[str, ...] = ()
    runs: int | None = None  # how many runs the journal still shows
    exposure: tuple[str, ...] = field(default_factory=tuple)

    @property
    def healthy(self) -> bool:
        return self.exists and not self.problems


def check_home(workspace: Workspace) -> HomeReport:
    path = workspace.settings.journal_path
    exposure = tuple(workspace.exposure())
    if not path.exists():
        return HomeReport(str(path), False, exposure=exposure)
    problems = tuple(integrity_problems(path))
    runs = None
    if not problems:
        try:
            with workspace.journal() as journal:
                runs = journal.run_count()
        except QuotabulkError as exc:
            problems = (exc.message,)
    return HomeReport(str(path), True, problems, runs, exposure)

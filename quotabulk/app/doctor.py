"""`quotabulk doctor`: how the home is — the journal's integrity by SQLite's own check,
its version, what it still holds — so a damaged journal is named before a run needs it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from quotabulk.app.workspace import Workspace
from quotabulk.domain.errors import QuotabulkError
from quotabulk.operator.port import RawRead
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


@dataclass(frozen=True)
class OperatorAnswers:
    """The operator's raw answer to one call of each read (`doctor --operator`)."""

    dialect: str
    url: str
    account: str
    reads: tuple[RawRead, ...]

    @property
    def as_expected(self) -> bool:
        return all(read.as_expected for read in self.reads)


def ask_operator(workspace: Workspace) -> OperatorAnswers:
    """One call of each read the dialect makes, answered as it came (nothing is sent
    that changes anything), so a real account can be checked against the shapes the
    dialect expects before the first change."""

    async def ask() -> OperatorAnswers:
        account = workspace.settings.resolve_account()
        async with workspace.operator(account) as operator:
            reads = await operator.raw_reads()
            return OperatorAnswers(
                workspace.settings.dialect, operator.url, operator.account, tuple(reads)
            )

    return asyncio.run(ask())

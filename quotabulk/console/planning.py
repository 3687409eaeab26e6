"""Reading and planning an upload in a child process, with a state the page polls.

A million-row file takes tens of seconds to read and plan, and an operator that does
not answer takes up to `--operator-timeout` to give up on: neither may hold the event
loop. A thread was not enough — its garbage collections and its share of the GIL
stalled every other page for seconds — so the work runs in a process of its own
(`spawn`: the console's threads are never forked). It saves the plan beside the upload
(`plan.json`, what approval runs) and every problem as `errors.xlsx`, and hands back
only what the page shows: counts, sums, the first rows. The result is kept, so a
reload shows it instead of planning again.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

from quotabulk import redaction
from quotabulk.app.applying import read_saved_plan
from quotabulk.app.planning import PlanView, plan_loaded, validate
from quotabulk.app.workspace import Workspace
from quotabulk.config import Settings
from quotabulk.domain.errors import QuotabulkError
from quotabulk.domain.models import InvalidRow, Quota
from quotabulk.domain.plan import Plan, PlanOptions
from quotabulk.formats.inputs import LoadOptions
from quotabulk.formats.inputs.columns import ColumnAliases
from quotabulk.formats.plans.write import plan_json
from quotabulk.formats.reports.columns import inert

KEPT = 32  # finished plans kept for reloads; older ones are planned again when opened
WAITING_AFTER_S = 2.0  # a retry this recent: "the operator is not answering"
PROBLEMS_ON_PAGE = 100
CHANGES_ON_PAGE = 1000  # a page under 1 MB with wide rows; a bigger plan is summed, not listed
STAGE_FILE = ".stage"  # the child says how far it got, in the upload's folder
RETRY_FILE = ".operator-retry"  # touched by the child at every retry of the operator
NOTICES_FILE = "notices.json"  # the readers' notices, for the page of a frozen plan too


@dataclass(frozen=True)
class ShownChange:
    kind: str
    msisdn: str
    source: str
    before: Quota | None
    after: Quota | None
    extras: dict[str, str]


@dataclass(frozen=True)
class ShownProblem:
    source: str
    column: str | None
    message: str


@dataclass(frozen=True)
class Shown:
    """What the review page shows of a plan: small, whatever the size of the upload."""

    account: str
    operator_url: str
    digest: str  # of the plan saved beside the upload (plan.json), which approval runs
    rows: int
    summary: dict[str, int]
    changes: list[ShownChange]  # the first CHANGES_ON_PAGE
    change_count: int
    limits_before: Decimal  # over every change
    limits_after: Decimal
    problems: list[ShownProblem]  # the first PROBLEMS_ON_PAGE
    problem_count: int
    invalid_rows: int
    # What the readers said about files they did read: a sheet skipped for want of a
    # header, columns only carried to the report. The CLI prints them on stderr.
    notices: tuple[str, ...] = ()


def _shown(
    plan: Plan,
    account: str,
    url: str,
    digest: str,
    invalid: list[InvalidRow],
    rows: int,
    notices: tuple[str, ...],
) -> Shown:
    changes = plan.changes
    problems = (p for row in invalid for p in row.problems)
    return Shown(
        account,
        url,
        digest,
        rows,
        plan.summary(),
        [
            ShownChange(a.kind.value, a.msisdn, a.source, a.before, a.after, a.extras.as_dict())
            for a in changes[:CHANGES_ON_PAGE]
        ],
        len(changes),
        sum((a.before.limit for a in changes if a.before), Decimal(0)),
        sum((a.after.limit for a in changes if a.after), Decimal(0)),
        [ShownProblem(p.source, p.column, p.message) for p in islice(problems, PROBLEMS_ON_PAGE)],
        sum(len(row.problems) for row in invalid),
        len(invalid),
        notices,
    )


class PlanningFailed(Exception):
    """A `QuotabulkError` of the child, as its message only: it crosses the process
    boundary whatever the error's own constructor looks like."""


def plan_upload(settings: Settings, folder: Path) -> Shown:
    """In the child: read, plan, save `plan.json` and `errors.xlsx`; return the summary."""
    if settings.token is not None:  # this process blanks the token too
        redaction.register(settings.token.get_secret_value())
    try:
        return _plan_upload(settings, folder)
    except QuotabulkError as exc:
        raise PlanningFailed(redaction.blank(exc.message)) from None


COLUMNS_FILE = "columns.yaml"  # the column mapping chosen in the page (JSON, which is YAML)


def _plan_upload(settings: Settings, folder: Path) -> Shown:
    workspace = Workspace(settings)
    paths = sorted(folder.glob("*/*"))
    mapping = folder / COLUMNS_FILE
    options = (
        LoadOptions(aliases=ColumnAliases.from_mapping_file(mapping)) if mapping.exists() else None
    )
    # Sources name the uploaded files as the user knows them: in the page, the journal
    # and every report, never the server's storage path.
    loaded = validate(paths, options, names=[path.name for path in paths])
    notices = tuple(loaded.notices)
    (folder / NOTICES_FILE).write_text(json.dumps(notices, ensure_ascii=False), encoding="utf-8")
    (folder / STAGE_FILE).write_text("planning")

    def on_retry(_exc: BaseException, _wait: float) -> None:
        (folder / RETRY_FILE).touch()

    view: PlanView = plan_loaded(
        workspace, loaded, PlanOptions(), skip_invalid=True, on_retry=on_retry
    )
    body = plan_json(view.plan, view.account, view.operator_url, loaded.invalid)
    with (folder / "plan.json").open("w", encoding="utf-8") as handle:
        json.dump(body, handle, ensure_ascii=False)
    invalid = [*loaded.invalid, *view.plan.problems]
    if invalid:
        write_problems(folder / "errors.xlsx", invalid)
    return _shown(
        view.plan,
        view.account,
        view.operator_url,
        body["digest"],
        invalid,
        loaded.row_count,
        notices,
    )


def write_problems(target: Path, invalid: list[InvalidRow]) -> None:
    """Every problem of an upload, in the file's own words (English, like the CLI): the
    page renders the first hundred in the reader's language."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    sheet = book.add_worksheet("errors")
    bold = book.add_format({"bold": True, "bg_color": "#D9E1F2"})
    for column, (name, width) in enumerate((("source", 40), ("column", 24), ("message", 80))):
        sheet.write_string(0, column, name, bold)
        sheet.set_column(column, column, width)
    line = 1
    uploaded = {str(path): path.name for path in target.parent.glob("*/*")}
    for row in invalid:
        for problem in row.problems:
            cells = (problem.source, problem.column or "", problem.message)
            for column, text in enumerate(cells):
                sheet.write_string(line, column, inert(_names_only(text, uploaded)))
            line += 1
    sheet.freeze_panes(1, 0)
    book.close()


def _names_only(text: str, uploaded: dict[str, str]) -> str:
    """The file's name as the user gave it, never where the server keeps it."""
    for path, name in uploaded.items():
        if path in text:
            text = text.replace(path, name)
    return text


def frozen_view(frozen: Path, paths: list[Path]) -> Shown:
    """The plan frozen at submission or approval, as the page shows it."""
    saved = read_saved_plan(frozen, ", ".join(path.name for path in paths))
    rows = len(saved.plan.actions) + len(saved.invalid)
    invalid = list(saved.invalid)
    said = frozen.parent / NOTICES_FILE
    notices = tuple(json.loads(said.read_text(encoding="utf-8"))) if said.exists() else ()
    return _shown(
        saved.plan, saved.account, saved.operator_url, saved.digest, invalid, rows, notices
    )


@dataclass
class PlanTask:
    folder: Path
    stage: str = "reading"  # reading → planning → done | failed
    error: str | None = None
    shown: Shown | None = None
    started: float = field(default_factory=time.time)

    @property
    def finished(self) -> bool:
        return self.stage in ("done", "failed")

    def state(self) -> dict[str, Any]:
        stage = self.stage
        if not self.finished and (self.folder / STAGE_FILE).exists():
            stage = "planning"
        retry = self.folder / RETRY_FILE
        waiting = (
            not self.finished
            and retry.exists()
            and time.time() - retry.stat().st_mtime < WAITING_AFTER_S
        )
        return {"stage": stage, "done": self.finished, "operator_waiting": waiting}


_POOL: ProcessPoolExecutor | None = None
_POOL_GUARD = threading.Lock()
PLANNING_PROCESSES = 2
# A planning process may use this much address space: a file that needs more fails alone
# («не хватило памяти»), instead of the out-of-memory killer choosing among the server's
# processes. A million-row .xlsx peaks at 1.3 GB resident.
MEMORY_CEILING = 4 * 1024**3
NO_MEMORY = (
    "reading and planning this file needed more memory than a planning process may use "
    f"({MEMORY_CEILING // 1024**3} GB); split it into smaller files"
)
WORKER_DIED = (
    "the planning process of this upload stopped before it finished (the file needs more "
    "memory than allowed, or made the reader crash); check the file, or split it"
)


def _worker_start(ceiling: int) -> None:
    """In each planning process: a memory ceiling, and an end when the server ends (a
    server killed with SIGKILL never runs its shutdown, and orphans would stay)."""
    import os
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _new_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_start,
        initargs=(MEMORY_CEILING,),
    )


def _executor() -> ProcessPoolExecutor:
    """The planning processes, shared by the process's consoles, started on first use."""
    global _POOL
    with _POOL_GUARD:
        if _POOL is None:
            _POOL = _new_pool(PLANNING_PROCESSES)
        return _POOL


def _discard(pool: ProcessPoolExecutor) -> None:
    """A pool whose process died is broken for good: the next upload gets a new one."""
    global _POOL
    with _POOL_GUARD:
        if _POOL is pool:
            _POOL = None
    pool.shutdown(wait=False, cancel_futures=True)


def write_report_file(settings: Settings, run_id: str, target: Path, lang: str) -> Path:
    """In a planning process: a run's report from the journal (50 000 rows take seconds
    of CPU that no page should wait behind)."""
    from quotabulk.app.runs import rebuild_report
    from quotabulk.formats.language import Language

    return rebuild_report(Workspace(settings), run_id, target, Language(lang))


async def in_worker(function: Any, *args: Any) -> Any:
    """Run `function(*args)` in a planning process, off the event loop and its GIL; a
    broken pool is replaced and the call made once more."""
    import asyncio

    loop = asyncio.get_running_loop()
    pool = _executor()
    try:
        return await loop.run_in_executor(pool, function, *args)
    except BrokenProcessPool:
        _discard(pool)
        return await loop.run_in_executor(_executor(), function, *args)


def shutdown_planning() -> None:
    global _POOL
    with _POOL_GUARD:
        if _POOL is not None:
            _POOL.shutdown(wait=False, cancel_futures=True)
            _POOL = None


def _submit(task: PlanTask, settings: Settings, *, alone: bool = False) -> None:
    """Plan the upload in the shared pool; after a process of it died (taking every upload
    in flight there down with it), each of those is tried once more in a process of its
    own, so that only the file that killed it fails."""
    pool = _new_pool(1) if alone else _executor()
    try:
        future = pool.submit(plan_upload, settings, task.folder)
    except BrokenProcessPool:
        _discard(pool)
        pool = _new_pool(1)
        alone = True
        future = pool.submit(plan_upload, settings, task.folder)

    def done(finished: Any) -> None:
        if isinstance(finished.exception(), BrokenProcessPool):
            _discard(pool)
            if not alone:
                _submit(task, settings, alone=True)
                return
        elif alone:
            pool.shutdown(wait=False)
        _finish(task, finished)

    future.add_done_callback(done)


class Planner:
    """One planning task per upload, run once in a planning process; the last `KEPT`
    results stay for reloads."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._tasks: OrderedDict[str, PlanTask] = OrderedDict()
        self._guard = threading.Lock()

    def task(self, upload_id: str, folder: Path) -> PlanTask:
        with self._guard:
            found = self._tasks.get(upload_id)
            if found is not None:
                self._tasks.move_to_end(upload_id)
                return found
            task = PlanTask(folder)
            self._tasks[upload_id] = task
            while len(self._tasks) > KEPT:
                self._tasks.popitem(last=False)
        for stale in (STAGE_FILE, RETRY_FILE):
            (folder / stale).unlink(missing_ok=True)
        _submit(task, self.workspace.settings)
        return task

    def peek(self, upload_id: str) -> PlanTask | None:
        return self._tasks.get(upload_id)

    def forget(self, upload_id: str) -> None:
        with self._guard:
            self._tasks.pop(upload_id, None)


def _finish(task: PlanTask, done: Any) -> None:
    try:
        task.shown = done.result()
        task.stage = "done"
    except PlanningFailed as exc:
        task.error = str(exc)
        task.stage = "failed"
    except BrokenProcessPool:
        task.error = WORKER_DIED
        task.stage = "failed"
    except MemoryError:
        task.error = NO_MEMORY
        task.stage = "failed"
    except Exception as exc:  # a bug: shown, never a page that waits
        task.error = f"internal error: {type(exc).__name__}"
        task.stage = "failed"


def choose_column(folder: Path, field: str, label: str, *, ignore: bool) -> None:
    """Record the page's answer to «this column looks like a threshold»: map it to the
    field, or leave it alone on purpose (the mapping file's `ignore:`)."""
    mapping = folder / COLUMNS_FILE
    chosen: dict[str, list[str]] = (
        json.loads(mapping.read_text("utf-8")) if mapping.exists() else {}
    )
    key = "ignore" if ignore else field
    chosen.setdefault(key, [])
    if label not in chosen[key]:
        chosen[key].append(label)
    mapping.write_text(json.dumps(chosen, ensure_ascii=False), encoding="utf-8")

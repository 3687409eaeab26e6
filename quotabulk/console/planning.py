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

import multiprocessing
import threading
import time
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quotabulk.app.reviewing import (
    RETRY_FILE,
    STAGE_FILE,
    PlanningFailed,
    Shown,
    plan_upload,
)
from quotabulk.app.workspace import Workspace
from quotabulk.config import Settings
from quotabulk.domain import messages as said
from quotabulk.domain.messages import Text

KEPT = 32  # finished plans kept for reloads; older ones are planned again when opened
WAITING_AFTER_S = 2.0  # a retry this recent: "the operator is not answering"


@dataclass
class PlanTask:
    folder: Path
    stage: str = "reading"  # reading → planning → done | failed
    error: str | None = None
    # The failure in the catalogue's terms, when it has them: shown in the reader's words.
    where: str | None = None
    said: Text | None = None
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
NO_MEMORY = said.PLANNING_MEMORY(gb=MEMORY_CEILING // 1024**3)
WORKER_DIED = said.PLANNING_DIED()


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
    from quotabulk.domain.language import Language

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

    def forget(self, upload_id: str) -> None:
        with self._guard:
            self._tasks.pop(upload_id, None)


def _finish(task: PlanTask, done: Any) -> None:
    try:
        task.shown = done.result()
        task.stage = "done"
    except PlanningFailed as exc:
        task.error, task.where, task.said = exc.message, exc.where, exc.text
        task.stage = "failed"
    except BrokenProcessPool:
        task.error, task.said = str(WORKER_DIED), WORKER_DIED
        task.stage = "failed"
    except MemoryError:
        task.error, task.said = str(NO_MEMORY), NO_MEMORY
        task.stage = "failed"
    except Exception as exc:  # a bug: shown, never a page that waits
        task.error = f"internal error: {type(exc).__name__}"
        task.stage = "failed"

"""Reading and planning an upload in a worker thread, with a state the page polls.

A million-row file takes tens of seconds to read and an operator that does not answer
takes up to `--operator-timeout` to give up on: neither may hold the event loop or the
page. The result is kept, so a reload shows it instead of parsing again.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quotabulk.app.applying import read_saved_plan
from quotabulk.app.planning import PlanView, plan_loaded, validate
from quotabulk.app.workspace import Workspace
from quotabulk.domain.errors import QuotabulkError
from quotabulk.domain.models import InvalidRow
from quotabulk.domain.plan import Plan, PlanOptions

KEPT = 32  # finished plans kept for reloads; older ones are planned again when opened
WAITING_AFTER_S = 2.0  # a retry this recent, with nothing since: "the operator is not answering"


@dataclass(frozen=True)
class Shown:
    """What the review page shows: a fresh plan of the upload, or the one frozen when
    it was submitted or approved."""

    plan: Plan
    account: str
    operator_url: str
    invalid: Sequence[InvalidRow]  # every row problem shown
    loaded_invalid: Sequence[InvalidRow]  # those of the files themselves, kept in plan.json
    rows: int


@dataclass
class PlanTask:
    stage: str = "reading"  # reading → planning → done | failed
    error: str | None = None
    shown: Shown | None = None
    last_retry: float = 0.0
    retry_message: str = ""
    started: float = field(default_factory=time.monotonic)

    @property
    def finished(self) -> bool:
        return self.stage in ("done", "failed")

    def state(self) -> dict[str, Any]:
        waiting = not self.finished and time.monotonic() - self.last_retry < WAITING_AFTER_S
        return {"stage": self.stage, "done": self.finished, "operator_waiting": waiting}


def plan_upload(
    workspace: Workspace, paths: list[Path], on_retry: Any = None, task: PlanTask | None = None
) -> Shown:
    loaded = validate(paths)
    if task is not None:
        task.stage = "planning"
    view: PlanView = plan_loaded(
        workspace, loaded, PlanOptions(), skip_invalid=True, on_retry=on_retry
    )
    return Shown(
        view.plan,
        view.account,
        view.operator_url,
        [*loaded.invalid, *view.plan.problems],
        loaded.invalid,
        loaded.row_count,
    )


def frozen_view(frozen: Path, paths: list[Path]) -> Shown:
    saved = read_saved_plan(frozen, ", ".join(path.name for path in paths))
    rows = len(saved.plan.actions) + len(saved.invalid)
    return Shown(saved.plan, saved.account, saved.operator_url, saved.invalid, saved.invalid, rows)


class Planner:
    """One planning task per upload, run once; the last `KEPT` results stay for reloads."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._tasks: OrderedDict[str, PlanTask] = OrderedDict()
        self._guard = threading.Lock()

    def task(self, upload_id: str, paths: list[Path]) -> PlanTask:
        with self._guard:
            found = self._tasks.get(upload_id)
            if found is not None:
                self._tasks.move_to_end(upload_id)
                return found
            task = PlanTask()
            self._tasks[upload_id] = task
            while len(self._tasks) > KEPT:
                self._tasks.popitem(last=False)
        threading.Thread(
            target=self._run, args=(task, paths), name=f"plan-{upload_id}", daemon=True
        ).start()
        return task

    def peek(self, upload_id: str) -> PlanTask | None:
        return self._tasks.get(upload_id)

    def forget(self, upload_id: str) -> None:
        with self._guard:
            self._tasks.pop(upload_id, None)

    def _run(self, task: PlanTask, paths: list[Path]) -> None:
        def on_retry(exc: BaseException, _wait: float) -> None:
            task.last_retry = time.monotonic()
            task.retry_message = str(exc)

        try:
            task.shown = plan_upload(self.workspace, paths, on_retry, task)
            task.stage = "done"
        except QuotabulkError as exc:
            task.error = exc.message
            task.stage = "failed"
        except Exception as exc:  # a bug: shown as such, not a page that waits forever
            task.error = f"internal error: {type(exc).__name__}"
            task.stage = "failed"
            raise

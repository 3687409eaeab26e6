"""Applies started from the browser: each runs the app layer's `run` in its own thread,
and its progress is kept here for the page (and its reloads) to read.

One approval is one run: a second approval of the same plan (two tabs, a replayed POST)
while the first job is unfinished returns that job instead of starting another. A job
is named by its upload, and its run is found in the journal by the plan's digest: after
a restart the same page shows the run, and a run left under way is resumed (under the
same account lock, by the runner's own resume).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quotabulk.app import applying
from quotabulk.app.holding_runs import run_holding_async, saved_holding
from quotabulk.app.runs import joined_run_id
from quotabulk.app.workspace import Workspace
from quotabulk.domain.errors import QuotabulkError
from quotabulk.domain.messages import Text
from quotabulk.domain.outcomes import RunResult, holding_result
from quotabulk.domain.running import ExecuteOptions, ProgressSink


@dataclass
class Job(ProgressSink):
    job_id: str
    upload_id: str
    digest: str = ""
    to_send: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    done: bool = False
    error: str | None = None
    said: Text | None = None  # the error in the catalogue's terms, when it has them
    result: RunResult | None = None
    last_retry: float = 0.0
    last_progress: float = 0.0

    def begin(self, to_send: int, to_follow: int) -> None:
        self.to_send = to_send + to_follow

    def sent(self) -> None:
        self.counts["sent"] += 1
        self.last_progress = time.monotonic()

    def finished(self, status: str) -> None:
        self.counts[status] += 1
        self.last_progress = time.monotonic()

    def failed(self, message: str) -> None:
        self.counts["failed"] += 1

    def retrying(self, message: str) -> None:
        self.counts["retries"] += 1
        self.last_retry = time.monotonic()

    @classmethod
    def of_finished_run(cls, job_id: str, upload_id: str, digest: str, run: RunResult) -> Job:
        """A job the journal remembers (the server restarted since it ran)."""
        job = cls(job_id, upload_id, digest, done=True, result=run)
        job.to_send = sum(1 for row in run.rows if row.action.is_change)
        job.counts["sent"] = sum(1 for row in run.rows if row.request_id)
        for row in run.rows:
            if row.request_status in ("completed", "rejected"):
                job.counts[row.request_status] += 1
        return job

    def state(self) -> dict[str, Any]:
        final = self.counts["completed"] + self.counts["rejected"]
        waiting = not self.done and self.last_retry > self.last_progress
        return {
            "job_id": self.job_id,
            "done": self.done,
            "error": self.error,
            "to_send": self.to_send,
            "sent": self.counts["sent"],
            "final": final,
            "completed": self.counts["completed"],
            "rejected": self.counts["rejected"],
            "failed": self.counts["failed"],
            "retries": self.counts["retries"],
            "operator_waiting": waiting,
            # Several accounts: their runs joined (`RUN+RUN`), one report of them all.
            "run_id": None if self.result is None else joined_run_id(self.result),
            "outcomes": None if self.result is None else self.result.counts(),
        }


class Jobs:
    def __init__(
        self, workspace: Workspace, options: ExecuteOptions, *, four_eyes: bool = False
    ) -> None:
        self.workspace = workspace
        self.options = options
        # `serve --four-eyes`: every job needs an approval, resumes after a restart too.
        self.four_eyes = four_eyes
        self._jobs: dict[str, Job] = {}
        self._guard = threading.Lock()

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def start(
        self,
        upload_id: str,
        plan_path: Path,
        shown_as: str,
        *,
        started_by: str | None = None,
        require_approval: bool = False,
    ) -> Job:
        """Apply the saved plan exactly as shown; a stale one is refused by the runner,
        and with `require_approval` one without a checker's approval."""
        saved = applying.read_saved_plan_parts(plan_path, shown_as)
        with self._guard:
            for job in self._jobs.values():
                if job.digest == saved.digest and not job.done:
                    return job
            job = Job(upload_id, upload_id, saved.digest)
            self._jobs[job.job_id] = job
        # One account or several: each its own run, as `apply --plan` runs them.
        holding = saved_holding(self.workspace, saved.parts, shown_as)

        def work() -> None:
            try:
                done = asyncio.run(
                    run_holding_async(
                        self.workspace,
                        holding,
                        self.options,
                        job,
                        lambda *_: True,
                        require_approval=require_approval or self.four_eyes,
                        started_by=started_by,
                    )
                )
                job.result = done.result
            except QuotabulkError as exc:
                job.error = exc.message
                job.said = exc.text
            except Exception as exc:  # a bug: shown, not swallowed
                job.error = f"internal error: {type(exc).__name__}"
                raise
            finally:
                job.done = True

        threading.Thread(target=work, name=f"apply-{job.job_id}", daemon=True).start()
        return job

    def recover(self, upload_id: str, plan_path: Path, shown_as: str) -> Job | None:
        """The job of an approved upload that this process did not start (it restarted):
        its run from the journal, resumed when it was left under way."""
        with self._guard:
            found = self._jobs.get(upload_id)
        if found is not None:
            return found
        saved = applying.read_saved_plan_parts(plan_path, shown_as)
        with self.workspace.journal() as journal:
            run_ids = [journal.run_of_plan(part.digest) for part in saved.parts]
            runs = [journal.run(run_id) for run_id in run_ids if run_id is not None]
        ran = [run for run in runs if run is not None]
        if not ran:
            return None
        if any(run.status.resumable for run in ran) or len(ran) < len(saved.parts):
            return self.start(upload_id, plan_path, shown_as, started_by="console (resumed)")
        job = Job.of_finished_run(upload_id, upload_id, saved.digest, holding_result(ran))
        with self._guard:
            return self._jobs.setdefault(upload_id, job)

    def resume_under_way(self, uploads: Path, frozen_name: str) -> list[Job]:
        """At start-up: resume every approved upload whose run was left under way."""
        resumed = []
        for plan_path in sorted(uploads.glob(f"*/{frozen_name}")):
            try:
                saved = applying.read_saved_plan_parts(plan_path)
                with self.workspace.journal() as journal:
                    run_ids = [journal.run_of_plan(part.digest) for part in saved.parts]
                    statuses = [journal.run_status(r) for r in run_ids if r is not None]
            except QuotabulkError:
                continue  # a damaged upload folder stops nothing else
            if any(status is not None and status.resumable for status in statuses):
                shown_as = ", ".join(p.name for p in sorted(plan_path.parent.glob("*/*")))
                job = self.recover(plan_path.parent.name, plan_path, shown_as)
                if job is not None:
                    resumed.append(job)
        return resumed

"""Applies started from the browser: each runs the app layer's `run` in its own thread,
and its progress is kept here for the page (and its reloads) to read.

One approval is one run: a second approval of the same plan (two tabs, a replayed POST)
while the first job is unfinished returns that job instead of starting another.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quotabulk.app import applying
from quotabulk.app.workspace import Workspace
from quotabulk.domain.errors import QuotabulkError
from quotabulk.domain.outcomes import RunResult
from quotabulk.engine.execute import ExecuteOptions, ProgressSink


@dataclass
class Job(ProgressSink):
    job_id: str
    upload_id: str
    digest: str = ""
    to_send: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    done: bool = False
    error: str | None = None
    result: RunResult | None = None

    def begin(self, to_send: int, to_follow: int) -> None:
        self.to_send = to_send + to_follow

    def sent(self) -> None:
        self.counts["sent"] += 1

    def finished(self, status: str) -> None:
        self.counts[status] += 1

    def failed(self, message: str) -> None:
        self.counts["failed"] += 1

    def retrying(self, message: str) -> None:
        self.counts["retries"] += 1

    def state(self) -> dict[str, Any]:
        final = self.counts["completed"] + self.counts["rejected"]
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
            "run_id": None if self.result is None else self.result.run_id,
            "outcomes": None if self.result is None else self.result.counts(),
        }


class Jobs:
    def __init__(self, workspace: Workspace, options: ExecuteOptions) -> None:
        self.workspace = workspace
        self.options = options
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
        saved = applying.read_saved_plan(plan_path, shown_as)
        with self._guard:
            for job in self._jobs.values():
                if job.digest == saved.digest and not job.done:
                    return job
            job = Job(secrets.token_urlsafe(9), upload_id, saved.digest)
            self._jobs[job.job_id] = job
        spec = applying.saved_plan_spec(saved, shown_as)

        def work() -> None:
            try:
                done = asyncio.run(
                    applying.run_async(
                        self.workspace,
                        saved.account,
                        spec,
                        self.options,
                        job,
                        lambda *_: True,
                        None,
                        saved,
                        require_approval=require_approval,
                        started_by=started_by,
                    )
                )
                job.result = done.result
            except QuotabulkError as exc:
                job.error = exc.message
            except Exception as exc:  # a bug: shown, not swallowed
                job.error = f"internal error: {type(exc).__name__}"
                raise
            finally:
                job.done = True

        threading.Thread(target=work, name=f"apply-{job.job_id}", daemon=True).start()
        return job

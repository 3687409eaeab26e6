"""Applies started from the browser: each runs the CLI's runner in its own thread, and
its progress is kept here for the page (and its reloads) to read."""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quotabulk.config import Settings
from quotabulk.domain.errors import QuotabulkError
from quotabulk.domain.outcomes import RunResult
from quotabulk.engine.execute import ExecuteOptions, ProgressSink
from quotabulk.engine.runner import run_apply


@dataclass
class Job(ProgressSink):
    job_id: str
    upload_id: str
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
    def __init__(self, settings: Settings, options: ExecuteOptions) -> None:
        self.settings = settings
        self.options = options
        self._jobs: dict[str, Job] = {}

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def start(self, upload_id: str, plan_path: Path, account: str | None) -> Job:
        """Apply the saved plan exactly as shown; a stale one is refused by the runner."""
        from quotabulk.cli.running import plan_file_spec

        job = Job(secrets.token_urlsafe(9), upload_id)
        self._jobs[job.job_id] = job

        def work() -> None:
            try:
                spec, saved_account = plan_file_spec(plan_path)
                outcome = asyncio.run(
                    run_apply(
                        self.settings,
                        account or saved_account,
                        spec,
                        self.options,
                        job,
                        lambda *_: True,
                    )
                )
                job.result = outcome.result
            except QuotabulkError as exc:
                job.error = exc.message
            except Exception as exc:  # a bug: shown, not swallowed
                job.error = f"internal error: {type(exc).__name__}"
                raise
            finally:
                job.done = True

        threading.Thread(target=work, name=f"apply-{job.job_id}", daemon=True).start()
        return job

"""Progress of an apply: a rich bar on a terminal, a plain line every few seconds otherwise."""

from __future__ import annotations

import sys
import time
from collections import Counter

from quotabulk.domain.running import ProgressSink
from quotabulk.logs import get_logger

LOG_EVERY_S = 5.0


class Counts(ProgressSink):
    def __init__(self) -> None:
        self.to_send = 0
        self.to_follow = 0
        self.counts: Counter[str] = Counter()
        self.begun = False

    def begin(self, to_send: int, to_follow: int) -> None:
        self.to_send, self.to_follow = to_send, to_follow
        self.begun = True
        self.update()

    def sent(self) -> None:
        self.counts["sent"] += 1
        self.update()

    def finished(self, status: str) -> None:
        self.counts[status] += 1
        self.update()

    def failed(self, message: str) -> None:
        self.counts["failed"] += 1
        self.update()

    def retrying(self, message: str) -> None:
        self.counts["retrying"] += 1
        self.update()

    def stopping(self) -> None:
        # Said at once, before the run finishes its bookkeeping: the user knows the
        # signal was heard.
        get_logger().warning("stopping: no new requests; finishing the journal and the report")

    def update(self) -> None: ...

    def line(self) -> str:
        c = self.counts
        return (
            f"sent {c['sent']}/{self.to_send}, completed {c['completed']}, "
            f"rejected {c['rejected']}, failed {c['failed']}, retries {c['retrying']}"
        )


class LogProgress(Counts):
    """For cron and pipes: one line every few seconds, and one at the end."""

    def __init__(self) -> None:
        super().__init__()
        self._last = 0.0

    def update(self) -> None:
        now = time.monotonic()
        if now - self._last >= LOG_EVERY_S:
            self._last = now
            self.close()

    def close(self) -> None:
        if not self.begun:  # refused before anything started: no progress to tell
            return
        c = self.counts
        get_logger().info(
            "progress",
            to_send=self.to_send,
            sent=c["sent"],
            completed=c["completed"],
            rejected=c["rejected"],
            failed=c["failed"],
            retries=c["retrying"],
        )


class BarProgress(Counts):
    """On a terminal: sent and final requests as bars, with the counts beside them."""

    def __init__(self) -> None:
        # rich is imported only for a terminal: cron runs do not pay for it at start-up.
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        super().__init__()
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self.sending = self.bar.add_task("sent", total=0, detail="")
        self.done = self.bar.add_task("final", total=0, detail="")
        self.bar.start()

    def update(self) -> None:
        c = self.counts
        self.bar.update(
            self.sending,
            total=self.to_send,
            completed=c["sent"] + c["failed"],
            detail=f"retries {c['retrying']}",
        )
        final = c["completed"] + c["rejected"]
        self.bar.update(
            self.done,
            total=self.to_send + self.to_follow,
            completed=final,
            detail=f"completed {c['completed']}, rejected {c['rejected']}",
        )

    def close(self) -> None:
        self.bar.stop()


def progress_for_stderr(log_format: str | None = None) -> LogProgress | BarProgress:
    """A bar on a terminal, log lines otherwise (and always with `--log-format json`)."""
    if sys.stderr.isatty() and log_format != "json":
        return BarProgress()
    return LogProgress()

"""Progress of an apply: a rich bar on a terminal, a plain line every few seconds otherwise."""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import Any

import click

from quotabulk.cli.speech import _
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
        # Each account of a command begins its own run: their counts add up.
        self.to_send += to_send
        self.to_follow += to_follow
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

    def close(self) -> None: ...

    def line(self) -> str:
        c = self.counts
        return (
            f"sent {c['sent']}/{self.to_send}, completed {c['completed']}, "
            f"rejected {c['rejected']}, failed {c['failed']}, retries {c['retrying']}"
        )


class LogProgress(Counts):
    """For cron with JSON logs: one `progress` line every few seconds, and one at the end."""

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


class PlainProgress(LogProgress):
    """Without a terminal and without JSON logs (`make demo`, a pipe): a plain line in the
    user's language every few seconds and at the end — not JSON for a person to read."""

    def close(self) -> None:
        if not self.begun:
            return
        c = self.counts
        left = max(self.to_send - c["sent"] - c["failed"], 0)
        line = _(
            "Sent {sent} of {total}, completed {completed}, rejected {rejected}, "
            "failed {failed}, left {left}."
        )
        click.echo(
            line.format(
                sent=c["sent"],
                total=self.to_send,
                completed=c["completed"],
                rejected=c["rejected"],
                failed=c["failed"],
                left=left,
            ),
            err=True,
        )


class BarProgress(Counts):
    """On a terminal: sent and final requests as bars, with the counts beside them. The
    bars appear when sending begins — never above the plan while its question waits."""

    def __init__(self) -> None:
        super().__init__()
        self.bar: Any = None

    def begin(self, to_send: int, to_follow: int) -> None:
        if self.bar is not None:  # the next account of the command: the same bars
            super().begin(to_send, to_follow)
            return
        # rich is imported only for a terminal: cron runs do not pay for it at start-up.
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self.sending = self.bar.add_task(_("sent"), total=to_send, detail="")
        self.done = self.bar.add_task(_("final"), total=to_send + to_follow, detail="")
        self.bar.start()
        super().begin(to_send, to_follow)

    def update(self) -> None:
        if self.bar is None:
            return
        c = self.counts
        left = max(self.to_send - c["sent"] - c["failed"], 0)
        self.bar.update(
            self.sending,
            total=self.to_send,
            completed=c["sent"] + c["failed"],
            detail=_("left {left}, retries {retries}").format(left=left, retries=c["retrying"]),
        )
        final = c["completed"] + c["rejected"]
        self.bar.update(
            self.done,
            total=self.to_send + self.to_follow,
            completed=final,
            detail=_("completed {completed}, rejected {rejected}").format(
                completed=c["completed"], rejected=c["rejected"]
            ),
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def progress_for_stderr(log_format: str | None = None) -> Counts:
    """A bar on a terminal; JSON progress lines with `--log-format json`; plain lines
    in the user's language otherwise."""
    if log_format == "json":
        return LogProgress()
    if sys.stderr.isatty():
        return BarProgress()
    return PlainProgress()

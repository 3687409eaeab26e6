"""Stopping a run gracefully: Ctrl-C, SIGTERM and SIGHUP alike.

The first signal stops sending at once (pending sends and retry waits are cancelled: a
cancelled send is re-sent by the next run with the same key), the journal is finished
and the report written; a second Ctrl-C aborts. systemd and cron's `timeout` send
SIGTERM, a closed terminal SIGHUP: all three mean "stop, tidily".
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stop:
    """Set once the run should stop; `on_stop` callbacks run on the event loop then."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self._callbacks: list[Callable[[], Any]] = []

    def is_set(self) -> bool:
        return self.event.is_set()

    def on_stop(self, callback: Callable[[], Any]) -> None:
        self._callbacks.append(callback)

    def set(self) -> None:
        if self.event.is_set():
            return
        self.event.set()
        for callback in self._callbacks:
            callback()


@contextmanager
def signals_stop(stop: Stop, announce: Callable[[], None]) -> Iterator[None]:
    """While the block runs, the first stop signal sets `stop` (and `announce`s it); the
    second Ctrl-C raises KeyboardInterrupt as usual."""
    loop = asyncio.get_running_loop()
    installed: dict[signal.Signals, Any] = {}

    def restore() -> None:
        for sig, previous in installed.items():
            loop.remove_signal_handler(sig)
            signal.signal(sig, previous)
        installed.clear()

    def first(sig: signal.Signals) -> None:
        announce()
        stop.set()
        restore()  # a second Ctrl-C is the process's usual KeyboardInterrupt

    try:
        for sig in STOP_SIGNALS:
            previous = signal.getsignal(sig)
            loop.add_signal_handler(sig, first, sig)
            installed[sig] = previous
    except (NotImplementedError, RuntimeError, ValueError):
        pass  # not the main thread (a console job): the server owns the signals
    try:
        yield
    finally:
        restore()

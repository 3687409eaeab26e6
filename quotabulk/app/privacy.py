"""Private by default: what this process writes is its owner's only (a module of its own,
so that `validate` pays for nothing else)."""

from __future__ import annotations

from quotabulk.store.home import keep_private


def private_process() -> None:
    """Everything this process writes from now on is its owner's only: the home, its
    reports and uploads hold names and numbers."""
    keep_private()

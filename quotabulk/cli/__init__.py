"""The command line: one module per command; each parses, calls `quotabulk.app`, renders."""

from __future__ import annotations

from quotabulk.cli.main import main

__all__ = ["main"]

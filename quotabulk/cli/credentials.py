"""Passwords for `--as`: asked on the terminal without echo, or read one per line from
standard input when that is not a terminal (scripts, tests, a secrets manager's pipe)."""

from __future__ import annotations

import sys

import click

from quotabulk.app.people import Credentials
from quotabulk.domain import messages as said
from quotabulk.domain.errors import UsageError


def read_password(prompt: str, *, confirm: bool = False) -> str:
    if sys.stdin.isatty():
        text: str = click.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True)
        return text
    line = sys.stdin.readline()
    if not line:
        raise UsageError(said.NO_STDIN_LINE(prompt=prompt))
    return line.rstrip("\r\n")


def credentials(name: str) -> Credentials:
    """`--as NAME` and the password that proves it."""
    return Credentials(name, read_password(f"Password of {name}"))

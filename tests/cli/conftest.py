"""What the CLI's tests share: `quotabulk` in its own process, and a home with a team
(admin, maker, checker) and a plan the maker submitted."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES

Run = Callable[..., subprocess.CompletedProcess[str]]
ADMIN, MAKER, CHECKER = ("root", "root-password"), ("anna", "anna-password"), ("boris", "boris-pw1")


@pytest.fixture
def qb(quotabulk_home: Path) -> Run:
    """`quotabulk ARGS` in its own process; `stdin` lines are the passwords it asks for."""
    env = {**os.environ, "QUOTABULK_SANDBOX_PROCESSING_MS": "30"}

    def run(*args: str | Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "quotabulk", *map(str, args)],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    return run


def lines(*passwords: str) -> str:
    return "".join(f"{p}\n" for p in passwords)


@pytest.fixture
def team(qb: Run) -> None:
    assert qb("sandbox", "seed", "--from", EXAMPLES / "current.yaml").returncode == 0
    add_team(qb)


def add_team(run: Run) -> None:
    """The admin, the maker and the checker, added through `run` (`quotabulk ARGS`)."""
    admin = run("users", "add", ADMIN[0], "--role", "admin", stdin=lines(ADMIN[1], ADMIN[1]))
    assert admin.returncode == 0, admin.stderr
    for (name, password), role in ((MAKER, "maker"), (CHECKER, "checker")):
        added = run(
            "users",
            "add",
            name,
            "--role",
            role,
            "--as",
            ADMIN[0],
            stdin=lines(ADMIN[1], password, password),
        )
        assert added.returncode == 0, added.stderr


@pytest.fixture
def plan_file(qb: Run, team: None, tmp_path: Path) -> Path:
    out = tmp_path / "plan.json"
    made = qb(
        "plan", EXAMPLES / "quotas.csv", "--out", out, "--as", MAKER[0], stdin=lines(MAKER[1])
    )
    assert made.returncode == 0, made.stderr
    assert "Submitted plan" in made.stderr
    return out

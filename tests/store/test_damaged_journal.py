"""A journal whose pages were damaged (bytes flipped on disk, not only a bad header) is one
sentence naming the file and exit 1, for every command that reads it; `doctor` names it
too, and a healthy journal is said to be healthy."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, CliResult

pytestmark = pytest.mark.slow


def qb(home: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QUOTABULK_HOME": str(home), "QUOTABULK_SANDBOX_PROCESSING_MS": "30"}
    return subprocess.run(
        [sys.executable, "-m", "quotabulk", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def flip_bytes(path: Path, count: int, seed: int) -> None:
    """`count` bytes flipped past the file header (its first page's first 100 bytes)."""
    data = bytearray(path.read_bytes())
    draw = random.Random(seed)
    for _ in range(count):
        at = draw.randrange(100, len(data))
        data[at] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_journal_with_flipped_bytes_is_one_sentence_and_exit_1(
    quotabulk_home: Path, cli: Callable[..., CliResult], seed: int
) -> None:
    assert cli("sandbox", "seed", "--from", EXAMPLES / "current.yaml").code == 0
    assert qb(quotabulk_home, "apply", "--yes", EXAMPLES / "quotas.csv").returncode == 0
    healthy = qb(quotabulk_home, "doctor")
    assert healthy.returncode == 0, healthy.stderr
    assert "healthy; 1 run in it" in healthy.stdout
    flip_bytes(quotabulk_home / "journal.db", 200, seed)
    for args in (("runs",), ("apply", "--yes", EXAMPLES / "quotas.csv"), ("doctor",)):
        done = qb(quotabulk_home, *args)
        assert done.returncode == 1, (args, done.stdout, done.stderr[-2000:])
        assert "Traceback" not in done.stderr
        assert "Internal error" not in done.stderr
        assert "journal.db" in done.stderr
        assert "damaged" in done.stderr

"""The import contracts of `make lint` hold, and they can fail: a copy of the package
with one arrow that runs back up is refused by the same command and configuration."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "quotabulk", tmp_path / "quotabulk", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_package_keeps_its_contracts(copy: Path) -> None:
    kept = lint_imports(copy)
    assert kept.returncode == 0, kept.stdout[-3000:]
    assert "Contracts: 4 kept, 0 broken." in kept.stdout


@pytest.mark.parametrize(
    ("module", "arrow", "broken"),
    [
        (
            "operator/probe.py",
            "import quotabulk.sandbox.store",
            "The operator port knows no fake operator",
        ),
        ("cli/probe.py", "import quotabulk.engine.runner", "The faces enter only through app/"),
        ("console/probe.py", "import quotabulk.cli.render", "The console is not the command line"),
        ("domain/probe.py", "import quotabulk.formats.language", "Layers point down"),
    ],
)
def test_an_arrow_that_runs_back_up_fails_the_lint(
    copy: Path, module: str, arrow: str, broken: str
) -> None:
    (copy / "quotabulk" / module).write_text(f"{arrow}  # noqa\n", encoding="utf-8")
    refused = lint_imports(copy)
    assert refused.returncode == 1
    assert f"{broken}" in refused.stdout
    assert "BROKEN" in refused.stdout

"""Where uploads live (`$QUOTABULK_HOME/console/<upload>/`) and when they go: after
`serve --keep-uploads` (30 days by default), unless a submission or a run still needs the
plan they hold. Files written there are the owner's only (0600), in folders of 0700."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from quotabulk.app.runs import plan_in_use
from quotabulk.app.workspace import Workspace

DEFAULT_KEEP_S = 30 * 86400
PRUNE_EVERY_S = 3600.0
# What approval runs, and what review shows: both name the plan an upload holds.
PLAN_FILES = ("frozen-plan.json", "plan.json")


def private_folder(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner may read (the upload of a sheet of names and numbers)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def prune(uploads: Path, workspace: Workspace, keep_s: float, now: float | None = None) -> int:
    """Remove upload folders untouched for `keep_s` whose plan nothing needs any more;
    how many were removed."""
    if not uploads.is_dir():
        return 0
    cutoff = (now or time.time()) - keep_s
    removed = 0
    for folder in uploads.iterdir():
        meta = folder / "meta.json"
        if not meta.is_file() or _last_touched(folder) > cutoff:
            continue
        digest = _digest_of(folder)
        if digest is not None and plan_in_use(workspace, digest):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


def _last_touched(folder: Path) -> float:
    return max((p.stat().st_mtime for p in folder.rglob("*")), default=folder.stat().st_mtime)


def _digest_of(folder: Path) -> str | None:
    for name in PLAN_FILES:
        path = folder / name
        if path.is_file():
            try:
                digest = json.loads(path.read_text(encoding="utf-8")).get("digest")
            except (OSError, ValueError):
                return None
            return str(digest) if digest else None
    return None

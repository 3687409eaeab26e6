"""`$QUOTABULK_HOME` is private: its journal holds password hashes, approvals, the audit
trail and plans with names and numbers. quotabulk creates it 0700 and writes everything
owner-only (its processes run with umask 077), and names a home or journal that others
may read or write, with the command that fixes it — as ssh refuses a key file others
can read. Four-eyes runs refuse such a home: whoever can write the journal can write an
approval into it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077


def keep_private() -> None:
    """From now on, everything this process creates is its owner's only."""
    os.umask(PRIVATE_UMASK)


def make_home(home: Path) -> None:
    """Create the home (and its parents) 0700 if it does not exist yet."""
    if not home.exists():
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        home.chmod(0o700)


def exposure(home: Path) -> list[str]:
    """One sentence for each of the home and its journal that other users may read or
    write, with the command that makes it private; empty when both are private."""
    found = []
    for path, mode in ((home, "700"), (home / "journal.db", "600")):
        try:
            bits = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            continue
        if bits & 0o077:
            who = "read and write" if bits & 0o022 else "read"
            found.append(
                f"{path} is open to other users of this machine (they may {who} it); "
                f"make it private: chmod {mode} {path}"
            )
    return found

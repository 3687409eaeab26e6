"""The call budget against the MTS-shaped sandbox (`sandbox serve --dialect mts-business`):
operator calls per change of each kind with no faults — token, reads, sends, status
calls and read-back included — and 300 changes under `--rate-limit 10/s,300/min`
against their floor, the calls they needed divided by that budget."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from benchmarks.measure import QUOTABULK, launch
from benchmarks.report import Result
from benchmarks.sandbox_process import TOKEN, mts_calls, served
from quotabulk.domain.models import Quota, Subscriber
from quotabulk.operator import mts
from quotabulk.sandbox.mts.store import MtsStore

ACCOUNT = "ACC-MTS-BENCH"
FIRST = 79060000000
PROCESSING_MS = "300"
# The goals, status and read-back included.
GOAL_ADD_OR_DELETE = 1.3
GOAL_EDIT = 2.3
PER_SECOND, PER_MINUTE = 10, 300


def _env(url: str, home: Path) -> dict[str, str]:
    env = {
        "QUOTABULK_API_DIALECT": mts.DIALECT,
        "QUOTABULK_API_URL": url,
        "QUOTABULK_CLIENT_ID": mts.SANDBOX_CLIENT_ID,
        "QUOTABULK_CLIENT_SECRET": TOKEN,
        "QUOTABULK_ACCOUNT": ACCOUNT,
        "QUOTABULK_HOME": str(home),
        mts.ENV_RULE_BLOCK: mts.SANDBOX_RULES["block"],
        mts.ENV_RULE_PERSONAL: mts.SANDBOX_RULES["personal"],
    }
    os.environ.pop("QUOTABULK_TOKEN", None)
    return env


def _seed(db: Path, count: int, quota: bool) -> None:
    store = MtsStore(db)
    store.reset_account(
        ACCOUNT,
        [Subscriber(str(FIRST + i), Quota(Decimal(100)) if quota else None) for i in range(count)],
    )
    store.close()


def _apply(url: str, folder: Path, rows: Sequence[str], options: Sequence[str] = ()) -> float:
    sheet = folder / "changes.csv"
    sheet.write_text("Номер;Лимит;Действие\n" + "\n".join(rows) + "\n", encoding="utf-8")
    command = [*QUOTABULK, "apply", "--yes", str(sheet), *options]
    done = launch(command, _env(url, folder / "home"))
    if done.code != 0:
        raise RuntimeError(f"apply exited {done.code}: {done.stderr[-800:]}")
    return done.seconds


def _calls_per_change(kind: str, count: int) -> Result:
    """`count` changes of one kind on an account of `count` numbers, in one apply."""
    rows = {
        "add": [f"{FIRST + i};{200 + i};" for i in range(count)],
        "edit": [f"{FIRST + i};{200 + i};" for i in range(count)],
        "delete": [f"{FIRST + i};;удалить" for i in range(count)],
    }[kind]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        db = folder / "sandbox.db"
        _seed(db, count, quota=kind != "add")
        with served(db, ["--dialect", mts.DIALECT, "--processing-ms", PROCESSING_MS]) as url:
            before = mts_calls(db)
            _apply(url, folder, rows, ["--rate-limit", "50"])
            calls = mts_calls(db) - before
    goal = GOAL_EDIT if kind == "edit" else GOAL_ADD_OR_DELETE
    per_change = calls / count
    return Result(
        name=f"mts-business: calls per {kind} ({count} in one run)",
        value=per_change,
        value_label="operator calls per change",
        goal_max_value=goal,
        notes=[f"{calls} calls answered for {count} {kind}s"],
    )


def _budget(count: int = 300) -> Result:
    """A third each of adds, edits and deletes under the operator's higher budget, served
    with that same budget enforced (429 / 1011 beyond it)."""
    rows = []
    for i in range(count):
        kind = i % 3
        rows.append(f"{FIRST + i};;удалить" if kind == 1 else f"{FIRST + i};{200 + i};")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        db = folder / "sandbox.db"
        store = MtsStore(db)
        store.reset_account(
            ACCOUNT,
            [
                Subscriber(str(FIRST + i), None if i % 3 == 0 else Quota(Decimal(100)))
                for i in range(count)
            ],
        )
        store.close()
        serve = [
            "--dialect",
            mts.DIALECT,
            "--processing-ms",
            PROCESSING_MS,
            "--rate-limit",
            str(PER_SECOND),
            "--per-minute",
            str(PER_MINUTE),
        ]
        with served(db, serve) as url:
            before = mts_calls(db)
            seconds = _apply(
                url, folder, rows, ["--rate-limit", f"{PER_SECOND}/s,{PER_MINUTE}/min"]
            )
            calls = mts_calls(db) - before
    floor = _floor_s(calls)
    return Result(
        name=f"mts-business: {count} changes at {PER_SECOND}/s,{PER_MINUTE}/min",
        subject_s=seconds,
        baseline_s=floor,
        baseline=f"the floor: the time {calls} calls take within {PER_SECOND}/s and "
        f"{PER_MINUTE} in any minute",
        goal_ratio=1.5,
        notes=[f"{calls} calls answered for {count} changes ({calls / count:.2f} per change)"],
    )


def _floor_s(calls: int) -> float:
    """When the last of `calls` calls may leave at the earliest: `PER_SECOND` a second,
    and a call beyond each `PER_MINUTE` waits for the minute of the first to pass."""
    last = calls - 1
    return 60 * (last // PER_MINUTE) + (last % PER_MINUTE) / PER_SECOND


def run() -> list[Result]:
    return [
        _calls_per_change("add", 100),
        _calls_per_change("delete", 100),
        _calls_per_change("edit", 100),
        _budget(),
    ]

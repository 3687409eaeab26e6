"""Two homes apply different limits to the same subscribers at once: a row whose
subscriber the other home changed — before this home's request, or after it completed
but before the read-back — is a `conflict`, never `failed`; a row whose value stands is
`applied`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from quotabulk.sandbox.store import Behaviour, SandboxStore
from tests.engine.test_apply_faults import ACC, seed
from tests.live import live_sandbox

pytestmark = pytest.mark.slow


def test_two_homes_with_different_targets_report_conflicts_not_failures(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.db"
    numbers = seed(db, 20)
    sheets = {}
    for limit in (2000, 2007):
        path = tmp_path / f"q{limit}.csv"
        path.write_text("Номер;Лимит\n" + "".join(f"{n};{limit}\n" for n in numbers), "utf-8")
        sheets[limit] = path
    with live_sandbox(db, Behaviour(processing_ms=200)) as live:
        env = {
            **os.environ,
            "QUOTABULK_API_URL": live.url,
            "QUOTABULK_TOKEN": live.token,
            "QUOTABULK_ACCOUNT": ACC,
        }
        processes = {
            limit: subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "quotabulk",
                    "apply",
                    "--yes",
                    str(path),
                    "--rate-limit",
                    "40",
                    "--report",
                    str(tmp_path / f"report-{limit}.json"),
                ],
                env={**env, "QUOTABULK_HOME": str(tmp_path / f"home-{limit}")},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for limit, path in sheets.items()
        }
        for process in processes.values():
            _, err = process.communicate(timeout=300)
            assert process.returncode in (0, 3), err.decode()[-2000:]
    store = SandboxStore(db)
    try:
        items, _ = store.list_subscribers(ACC, None, 1000)
    finally:
        store.close()
    held = {str(item["msisdn"]): item["quota"] for item in items}
    for limit in sheets:
        rows = json.loads((tmp_path / f"report-{limit}.json").read_text("utf-8"))["rows"]
        outcomes = {row["msisdn"]: row["outcome"] for row in rows}
        assert "failed" not in outcomes.values(), [r for r in rows if r["outcome"] == "failed"]
        assert set(outcomes.values()) <= {"applied", "conflict"}
        for msisdn, outcome in outcomes.items():
            quota = held[msisdn]
            if quota is not None and Decimal(str(quota["limit"])) == Decimal(limit):
                assert outcome == "applied", (msisdn, outcome, quota)
            # Else the other home's value stands: this row is a `conflict` when that came
            # before our read-back, `applied` when it came after (ours was verified).

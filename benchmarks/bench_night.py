"""The unattended night's figures: how each misbehaving operator ends (exit code, time,
against --operator-timeout), and a sheet of one number repeated 20 000 times."""

from __future__ import annotations

import socket
import tempfile
from decimal import Decimal
from pathlib import Path

from benchmarks.measure import QUOTABULK, launch
from benchmarks.report import Result
from quotabulk.domain.models import Quota, Subscriber
from quotabulk.sandbox.store import SandboxStore
from tests.live import TOKEN
from tests.operator.bad_operators import misbehaving_operator

TIMEOUT_S = 10
ACCOUNT = "ACC-NIGHT"
NUMBERS = [str(79080000000 + i) for i in range(20)]


def _run(command: list[str], env: dict[str, str]) -> tuple[int, float, float]:
    """Exit code, seconds, peak MB of one whole process."""
    done = launch(command, env)
    return done.code, done.seconds, done.peak_mb


def _reconcile(url: str, folder: Path) -> tuple[int, float, float]:
    folder.mkdir(parents=True, exist_ok=True)
    sheet = folder / "q.csv"
    sheet.write_text("Номер;Лимит\n" + "".join(f"{m};{200 + i}\n" for i, m in enumerate(NUMBERS)))
    env = {
        "QUOTABULK_API_URL": url,
        "QUOTABULK_TOKEN": TOKEN,
        "QUOTABULK_ACCOUNT": ACCOUNT,
        "QUOTABULK_HOME": str(folder / "home"),
    }
    command = [*QUOTABULK, "reconcile", str(sheet), "--operator-timeout", f"{TIMEOUT_S}s"]
    return _run(command, env)


def _case(name: str, expected: int, url: str, folder: Path) -> Result:
    code, seconds, _ = _reconcile(url, folder)
    return Result(
        name=f"night: {name}",
        subject_s=seconds,
        goal_max_s=TIMEOUT_S + 10,
        notes=[f"exit {code} (documented: {expected}); --operator-timeout {TIMEOUT_S}s"]
        + ([] if code == expected else ["UNEXPECTED EXIT CODE"]),
        value=None,
    )


def run() -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            down = f"http://127.0.0.1:{sock.getsockname()[1]}"
        results.append(_case("operator down", 5, down, folder / "down"))
        for mode, expected in (("retry-after", 5), ("trickle", 5), ("readback-502", 3)):
            db = folder / f"{mode}.db"
            store = SandboxStore(db)
            store.reset_account(ACCOUNT, [Subscriber(m, Quota(Decimal(100))) for m in NUMBERS])
            store.close()
            with misbehaving_operator(db, mode) as url:
                label = {
                    "retry-after": "429 with Retry-After: 3600",
                    "trickle": "answers trickling 1 byte/s",
                    "readback-502": "502 on read-back after completed requests",
                }[mode]
                results.append(_case(label, expected, url, folder / mode))
        results.append(_duplicates(folder))
    return results


def _duplicates(folder: Path) -> Result:
    sheet = folder / "duplicates.csv"
    sheet.write_text("Номер;Лимит\n" + "79161000001;5\n" * 20_000, encoding="utf-8")
    code, seconds, peak = _run([*QUOTABULK, "validate", str(sheet)], {})
    return Result(
        name="validate 20 000 copies of one number",
        subject_s=seconds,
        goal_max_s=2.0,
        peak_mb=peak,
        goal_peak_mb=200,
        notes=[f"exit {code} (every row invalid: documented 1); was 45 s and 7.45 GB"],
    )

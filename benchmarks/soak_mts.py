"""`make soak` against the MTS-shaped sandbox (`sandbox serve --dialect mts-business`):
an operator with no idempotency key, no versions and edits as two events, so every
guarantee rests on the journal and on looking before sending again.

Two phases on two accounts of one sandbox, with 503s, 429s and lost answers:
- **one home**, killed with SIGKILL or stopped with SIGTERM at random moments and rerun
  until done: every change exactly in place, one connect per add, one disconnect per
  delete, one of each per edit (counted at the sandbox), and no copy ever made;
- **two homes at once** on the other account (two machines that do not share a lock):
  copies can be made there — the final state must still be exact, no copy may last,
  and every copy that outlived the slowest event must be named in one of the homes'
  reports (one made and unmade by events in flight at once is counted apart).

`python -m benchmarks.soak_mts --changes N --kills K`; with `SOAK_KEEP=DIR` the sandbox,
the homes, their reports and stderr stay in DIR for a look.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from benchmarks.measure import QUOTABULK, ROOT
from benchmarks.sandbox_process import TOKEN, mts_calls, served
from quotabulk.domain.models import Quota, Subscriber
from quotabulk.operator import mts
from quotabulk.sandbox.mts.store import LONGEST_TAIL, MtsStore

ONE_HOME = "ACC-MTS-ONE"
TWO_HOMES = "ACC-MTS-TWO"
FIRST = {ONE_HOME: 79070000000, TWO_HOMES: 79080000000}
PROCESSING_MS = 500
FAULTS = [
    "--dialect",
    mts.DIALECT,
    "--error-rate",
    "0.05",
    "--throttle-rate",
    "0.05",
    "--lost-response-rate",
    "0.2",
    "--lost-request-rate",
    "0.05",
    "--processing-ms",
    str(PROCESSING_MS),
]
# Two homes editing one number can leave a copy between two of their events in flight
# (one home's slow disconnect removes what the other's connect just added). A copy gone
# within the longest time one event takes was made and unmade by events in flight at
# once, while both runs were still following them; it is counted apart. A copy that
# outlives that must be named in a report.
FLEETING_S = PROCESSING_MS / 1000 * LONGEST_TAIL
# The words of a report row that names a copy (QB251 removed, QB252 left, QB145 at plan).
COPY_WORDS = ("copy of the rule", "copy of our rule", "copies of our rule", "copies of quotabulk")


@dataclass
class Phase:
    """What the operator and the reports of one account show once its runs are done."""

    name: str
    changes: int
    runs: int = 0
    calls: int = 0
    connects: int = 0
    disconnects: int = 0
    unexpected_sends: int = 0  # beyond one connect per add, one disconnect per delete, …
    copies_made: int = 0  # numbers that ever held two rules of ours at once
    copies_fleeting: int = 0  # …only for less than FLEETING_S, between two events
    copies_lasting: int = 0
    copies_unnamed: int = 0  # made, but named in no report
    mismatched: int = 0  # the operator's final rules ≠ the sheet
    open_rows: int = 0  # rows of the last report not final
    outcomes: dict[str, int] = field(default_factory=dict)

    def problems(self, strict: bool) -> int:
        """What fails the soak; `strict`: one home, where no copy may ever be made."""
        found = self.copies_lasting + self.copies_unnamed + self.mismatched + self.open_rows
        return found + (self.unexpected_sends + self.copies_made if strict else 0)


@dataclass
class MtsSoakResult:
    changes: int
    kills: int
    seconds: float
    one: Phase
    two: Phase

    @property
    def ok(self) -> bool:
        return not (self.one.problems(strict=True) or self.two.problems(strict=False))

    def table(self) -> str:
        rows = [
            ("changes per account", "changes"),
            ("runs until done", "runs"),
            ("operator calls (all kinds)", "calls"),
            ("connects", "connects"),
            ("disconnects", "disconnects"),
            ("sends beyond 1 per step", "unexpected_sends"),
            ("numbers that held a copy", "copies_made"),
            (f"  only for < {FLEETING_S:g} s", "copies_fleeting"),
            ("copies lasting at the end", "copies_lasting"),
            ("copies named in no report", "copies_unnamed"),
            ("final rules ≠ the sheet", "mismatched"),
            ("rows still open", "open_rows"),
        ]
        lines = [
            f"dialect                         {mts.DIALECT} (no idempotency key, no versions)",
            f"faults                          {' '.join(FAULTS[2:])}",
            f"kill -9 / SIGTERM rounds        {self.kills} per phase (alternating)",
            f"{'':32}{'one home':>12}{'two homes':>12}",
        ]
        for label, key in rows:
            one, two = getattr(self.one, key), getattr(self.two, key)
            lines.append(f"{label:32}{one:>12}{two:>12}")
        lines += [
            f"calls per change                {self.one.calls / max(self.changes, 1):>12.2f}"
            f"{self.two.calls / max(self.changes, 1):>12.2f}",
            f"outcomes (last report)          {json.dumps(self.one.outcomes)}",
            f"wall time                       {self.seconds:.1f} s",
            f"verdict                         {'PASS' if self.ok else 'FAIL'}",
        ]
        return "\n".join(lines)


def _desired(i: int) -> Decimal | None:
    """Numbers i % 3 == 0 get a quota, == 1 lose theirs, == 2 change theirs."""
    return None if i % 3 == 1 else Decimal(200 + i)


def _seed(folder: Path, count: int) -> dict[str, Path]:
    store = MtsStore(folder / "sandbox.db")
    sheets = {}
    for account, first in FIRST.items():
        store.reset_account(
            account,
            [
                Subscriber(str(first + i), None if i % 3 == 0 else Quota(Decimal(100)))
                for i in range(count)
            ],
        )
        lines = ["Номер;Лимит;Действие"]
        lines += [
            f"{first + i};;удалить" if _desired(i) is None else f"{first + i};{_desired(i)};"
            for i in range(count)
        ]
        sheets[account] = folder / f"{account}.csv"
        sheets[account].write_text("\n".join(lines) + "\n", encoding="utf-8")
    store.close()
    return sheets


class Homes:
    """The apply command of one account, run from one or two homes; every run writes its
    own report, so a copy named by any run is found."""

    def __init__(self, folder: Path, account: str, sheet: Path, env: dict[str, str], n: int):
        self.account = account
        self.homes = [folder / f"{account}-home-{k}" for k in range(n)]
        self.sheet = sheet
        self.env = {**env, "QUOTABULK_ACCOUNT": account}
        self.runs = 0

    def start(self, home: Path) -> subprocess.Popen[bytes]:
        self.runs += 1
        report = home / f"report-{self.runs}.json"
        home.mkdir(parents=True, exist_ok=True)
        with (home / "stderr.log").open("ab") as stderr:  # the child keeps its own copy
            return subprocess.Popen(
                [
                    *QUOTABULK,
                    "apply",
                    "--yes",
                    str(self.sheet),
                    "--rate-limit",
                    "100",
                    "--concurrency",
                    "16",
                    "--log-format",
                    "json",
                    "--report",
                    str(report),
                ],
                env={**self.env, "QUOTABULK_HOME": str(home)},
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )

    def interrupted_rounds(self, kills: int, rng: random.Random, expected_s: float) -> None:
        for round_ in range(kills):
            processes = [self.start(home) for home in self.homes]
            time.sleep(rng.uniform(0.5, expected_s / max(kills, 1)))
            stop = signal.SIGKILL if round_ % 2 == 0 else signal.SIGTERM
            for process in processes:
                process.send_signal(stop)
            for process in processes:
                process.wait(timeout=120)

    def finish(self, limit: int) -> None:
        """Every home at once until each says its run is done (0 or 3); then, should two
        homes have left copies to each other, each home alone until one run changes
        nothing (a copy left by the other home is removed by the run that made it)."""
        codes: list[int | None] = [None] * len(self.homes)
        for _ in range(limit):
            processes = [self.start(home) for home in self.homes]
            codes = [process.wait(timeout=900) for process in processes]
            if all(code in (0, 3) for code in codes):
                break
        for _ in range(limit if len(self.homes) > 1 else 0):
            settled = [self.start(home).wait(timeout=900) == 0 for home in self.homes]
            if all(settled):
                break

    def reports(self) -> list[list[dict[str, object]]]:
        found = sorted(
            (p for home in self.homes for p in home.glob("report-*.json")),
            key=lambda p: int(p.stem.split("-")[1]),
        )
        bodies = []
        for path in found:
            try:
                bodies.append(json.loads(path.read_text("utf-8"))["rows"])
            except (ValueError, KeyError):
                continue  # a report a kill cut short: the next run writes its own
        return bodies


def soak_mts(changes: int, kills: int, seed: int = 1) -> MtsSoakResult:
    rng = random.Random(seed)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(os.environ.get("SOAK_KEEP") or name)
        sheets = _seed(folder, changes)
        env = {
            **os.environ,
            "QUOTABULK_LANG": "en",
            "QUOTABULK_API_DIALECT": mts.DIALECT,
            "QUOTABULK_CLIENT_ID": mts.SANDBOX_CLIENT_ID,
            "QUOTABULK_CLIENT_SECRET": TOKEN,
            mts.ENV_RULE_BLOCK: mts.SANDBOX_RULES["block"],
            mts.ENV_RULE_PERSONAL: mts.SANDBOX_RULES["personal"],
        }
        env.pop("QUOTABULK_TOKEN", None)
        # Two edits and a lost answer's probe take a few processing times each.
        expected_s = changes / 100 * 2 + 3
        phases: list[tuple[Homes, int]] = []
        with served(folder / "sandbox.db", [*FAULTS, "--seed", str(seed)]) as url:
            env["QUOTABULK_API_URL"] = url
            for account, n in ((ONE_HOME, 1), (TWO_HOMES, 2)):
                before = mts_calls(folder / "sandbox.db")
                homes = Homes(folder, account, sheets[account], env, n)
                homes.interrupted_rounds(kills, rng, expected_s)
                homes.finish(limit=kills + 5)
                phases.append((homes, mts_calls(folder / "sandbox.db") - before))
            # Every event still in progress (a removal sent just before a kill) is due.
            time.sleep(PROCESSING_MS / 1000 * LONGEST_TAIL + 0.5)
        store = MtsStore(folder / "sandbox.db")
        try:
            one, two = (_census(store, homes, changes, calls) for homes, calls in phases)
        finally:
            store.close()
    return MtsSoakResult(changes, kills, time.monotonic() - started, one, two)


def _census(store: MtsStore, homes: Homes, changes: int, calls: int) -> Phase:
    first = FIRST[homes.account]
    phase = Phase(homes.account, changes, runs=homes.runs, calls=calls)
    held: dict[str, int] = {str(first + i): 0 if i % 3 == 0 else 1 for i in range(changes)}
    copied_since: dict[str, float] = {}
    lasting_copy: set[str] = set()  # held a copy for FLEETING_S or longer
    fleeting_copy: set[str] = set()
    sent: dict[str, Counter[str]] = {m: Counter() for m in held}
    for msisdn, kind, status, all_duplicates, at in store.events(homes.account):
        sent[msisdn][kind] += 1
        if status != "Completed":
            continue
        if kind == "connect":
            held[msisdn] += 1
        else:
            held[msisdn] = 0 if all_duplicates else max(0, held[msisdn] - 1)
        if held[msisdn] > 1:
            copied_since.setdefault(msisdn, at)
        elif msisdn in copied_since:
            took = at - copied_since.pop(msisdn)
            (lasting_copy if took >= FLEETING_S else fleeting_copy).add(msisdn)
    lasting_copy |= set(copied_since)  # still there at the end
    phase.connects = sum(c["connect"] for c in sent.values())
    phase.disconnects = sum(c["disconnect"] for c in sent.values())
    for i in range(changes):
        msisdn = str(first + i)
        expected = {"connect": int(i % 3 != 1), "disconnect": int(i % 3 != 0)}
        phase.unexpected_sends += sum(
            max(0, sent[msisdn][kind] - n) for kind, n in expected.items()
        )
    rules: dict[str, list[Decimal]] = {}
    for msisdn, _, _, value, _ in store.rules(homes.account):
        rules.setdefault(str(msisdn), []).append(Decimal(value))
    for i in range(changes):
        wanted = _desired(i)
        if rules.get(str(first + i), []) != ([] if wanted is None else [wanted]):
            phase.mismatched += 1
    reports = homes.reports()
    named = {
        str(row["msisdn"])
        for rows in reports
        for row in rows
        if any(word in str(row.get("error") or "") for word in COPY_WORDS)
    }
    phase.copies_made = len(lasting_copy | fleeting_copy)
    phase.copies_fleeting = len(fleeting_copy - lasting_copy)
    phase.copies_lasting = sum(1 for m in held if len(rules.get(m, [])) > 1)
    phase.copies_unnamed = len(lasting_copy - named)
    if reports:
        last = reports[-1]
        phase.outcomes = dict(Counter(str(r["outcome"]) for r in last))
        phase.open_rows = sum(
            1 for r in last if r["outcome"] not in ("applied", "unchanged", "rejected")
        )
    return phase


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--changes", type=int, default=600)
    parser.add_argument("--kills", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    result = soak_mts(args.changes, args.kills, args.seed)
    print(result.table())
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())

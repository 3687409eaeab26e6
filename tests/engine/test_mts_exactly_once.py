"""Exactly-once against the MTS-shaped operator, over real HTTP: no idempotency key, no
versions, edits as a disconnect and a connect, catalogue rules, expiring tokens.

Every count is taken at the sandbox (its events and rules), never from the client."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest

from quotabulk.domain.models import OnExceed, Quota, Subscriber
from quotabulk.sandbox.faults import Faults
from quotabulk.sandbox.mts.store import BLOCK_RULE, ROAMING_RULE, MtsStore
from quotabulk.sandbox.server import build_app
from quotabulk.sandbox.store import Behaviour
from tests.conftest import CliResult
from tests.live import served_in_thread

ACC = "ACC-MTS"
CLIENT = "finance-bot"
SECRET = "s3cr3t-client-7d1e"
MTS = "mts-business"


@contextmanager
def mts_operator(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    processing_ms: int = 150,
    faults: Faults | None = None,
    token_ttl_s: float = 3600,
) -> Iterator[Path]:
    db = tmp_path / "mts.db"
    MtsStore(db).close()
    app = build_app(
        db,
        SECRET,
        Behaviour(processing_ms=processing_ms, seed=11),
        faults or Faults(dialect=MTS),
        CLIENT,
        token_ttl_s,
    )
    with served_in_thread(app) as address:
        for name, value in {
            "QUOTABULK_API_URL": f"http://{address}",
            "QUOTABULK_API_DIALECT": MTS,
            "QUOTABULK_CLIENT_ID": CLIENT,
            "QUOTABULK_CLIENT_SECRET": SECRET,
            "QUOTABULK_ACCOUNT": ACC,
            "QUOTABULK_MTS_RULE_BLOCK": "CB.LIMIT.BLOCK:PV-1001",
            "QUOTABULK_MTS_RULE_PERSONAL": "CB.LIMIT.PERSONAL:PV-2001",
            "QUOTABULK_LANG": "en",
        }.items():
            monkeypatch.setenv(name, value)
        yield db


def seed(db: Path, quotas: dict[str, Quota | None]) -> None:
    store = MtsStore(db)
    store.reset_account(ACC, [Subscriber(m, q) for m, q in quotas.items()])
    store.close()


def numbers(count: int, start: int = 79160000000) -> list[str]:
    return [str(start + i) for i in range(count)]


def sheet(path: Path, rows: dict[str, str]) -> Path:
    """`rows`: number → limit, or «удалить»."""
    lines = ["Номер;Лимит;Действие"]
    for msisdn, limit in rows.items():
        lines.append(f"{msisdn};;удалить" if limit == "удалить" else f"{msisdn};{limit};")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def events(db: Path) -> Counter[tuple[str, str]]:
    """(number, connect|disconnect) → how many events the operator made."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT msisdn, kind FROM mts_events").fetchall()
    return Counter((m, k) for m, k in rows)


def rules(db: Path) -> dict[str, list[tuple[str, str]]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT msisdn, code, limit_value FROM mts_rules ORDER BY id"
        ).fetchall()
    found: dict[str, list[tuple[str, str]]] = {}
    for msisdn, code, value in rows:
        found.setdefault(msisdn, []).append((code, value))
    return found


def calls(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT name, n FROM mts_calls").fetchall())


def journal_events(home: Path, like: str) -> int:
    with sqlite3.connect(home / "journal.db") as conn:
        return int(
            conn.execute("SELECT COUNT(*) FROM events WHERE what LIKE ?", (like,)).fetchone()[0]
        )


def run_until_done(cli: Callable[..., CliResult], *args: str | Path) -> CliResult:
    result = cli("apply", "--yes", *args)
    for _ in range(3):  # a run whose wait ran out leaves rows open; the rerun finishes them
        if result.code == 0:
            break
        result = cli("apply", "--yes", *args)
    assert result.code == 0, result.out + result.err
    return result


def test_adds_edits_and_deletes_make_one_event_per_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., CliResult]
) -> None:
    adds, edits, deletes = numbers(6), numbers(6, 79161000000), numbers(6, 79162000000)
    with mts_operator(tmp_path, monkeypatch) as db:
        seed(
            db,
            {
                **dict.fromkeys(adds),
                **dict.fromkeys(edits, Quota(Decimal(1000))),
                **dict.fromkeys(deletes, Quota(Decimal(700))),
            },
        )
        wanted = {**dict.fromkeys(adds, "2000"), **dict.fromkeys(edits, "3000")}
        path = sheet(tmp_path / "q.csv", {**wanted, **dict.fromkeys(deletes, "удалить")})
        result = run_until_done(cli, path, "--rate-limit", "50")
        assert "18 applied" in result.out
        again = cli("plan", path, "--detailed-exitcode")
        assert again.code == 0, again.out
    made = events(db)
    assert all(made[(m, "connect")] == 1 and made[(m, "disconnect")] == 0 for m in adds)
    assert all(made[(m, "connect")] == 1 and made[(m, "disconnect")] == 1 for m in edits)
    assert all(made[(m, "connect")] == 0 and made[(m, "disconnect")] == 1 for m in deletes)
    held = rules(db)
    assert all(held[m] == [(BLOCK_RULE.code, "2000.00")] for m in adds)
    assert all(held[m] == [(BLOCK_RULE.code, "3000.00")] for m in edits)
    assert not any(m in held for m in deletes)


def test_an_edits_report_row_carries_both_request_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., CliResult]
) -> None:
    (msisdn,) = numbers(1)
    with mts_operator(tmp_path, monkeypatch) as db:
        seed(db, {msisdn: Quota(Decimal(1000))})
        path = sheet(tmp_path / "q.csv", {msisdn: "1500"})
        report = tmp_path / "r.csv"
        run_until_done(cli, path, "--report", report)
    text = report.read_text(encoding="utf-8")
    assert text.count("EV-") == 2, text  # the disconnect's event, then the connect's


def test_lost_answers_are_looked_for_and_never_make_a_copy(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli: Callable[..., CliResult],
    quotabulk_home: Path,
) -> None:
    adds, edits = numbers(20), numbers(10, 79161000000)
    faults = Faults(lost_response_rate=0.3, seed=4, dialect=MTS)
    with mts_operator(tmp_path, monkeypatch, processing_ms=200, faults=faults) as db:
        seed(db, {**dict.fromkeys(adds), **dict.fromkeys(edits, Quota(Decimal(1000)))})
        path = sheet(
            tmp_path / "q.csv", {**dict.fromkeys(adds, "2000"), **dict.fromkeys(edits, "5000")}
        )
        report = tmp_path / "r.json"
        run_until_done(cli, path, "--rate-limit", "50", "--report", report)
    assert journal_events(quotabulk_home, "answer lost%") > 0  # the probe had work to do
    found = journal_events(quotabulk_home, "found in place")
    assert found > 0
    rows = json.loads(report.read_text("utf-8"))["rows"]
    applied = [r for r in rows if r["outcome"] == "applied"]
    unnumbered = [r for r in applied if not r["request_id"] or r["request_id"].endswith("—")]
    assert unnumbered  # a change found in place has no request number …
    for row in unnumbered:  # … and its row says why
        assert "found in place, so its request number is not known" in row["error"], row
    made = events(db)
    held = rules(db)
    for m in adds + edits:
        assert made[(m, "connect")] == 1, (m, made)
        assert len(held[m]) == 1, (m, held[m])  # no copy, ever
    assert all(made[(m, "disconnect")] == 1 for m in edits)


def test_a_lost_send_that_never_arrived_is_sent_again_only_after_the_probe(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli: Callable[..., CliResult],
    quotabulk_home: Path,
) -> None:
    """Calls dropped before the operator saw them look like lost answers to the client:
    the probe finds nothing, waits out its bound, and only then sends again — so every
    number ends with exactly one connect at the operator."""
    adds = numbers(16)
    faults = Faults(lost_request_rate=0.25, seed=6, dialect=MTS)
    with mts_operator(tmp_path, monkeypatch, processing_ms=200, faults=faults) as db:
        seed(db, dict.fromkeys(adds))
        path = sheet(tmp_path / "q.csv", dict.fromkeys(adds, "2500"))
        run_until_done(cli, path, "--rate-limit", "50")
    assert journal_events(quotabulk_home, "not found after % s; resent") > 0
    made = events(db)
    held = rules(db)
    for m in adds:
        assert made[(m, "connect")] == 1, (m, made)
        assert held[m] == [(BLOCK_RULE.code, "2500.00")]


def test_an_edit_whose_connect_faults_says_the_rule_is_gone_and_the_next_run_connects_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., CliResult]
) -> None:
    (msisdn,) = numbers(1)
    with mts_operator(tmp_path, monkeypatch) as db:
        seed(db, {msisdn: Quota(Decimal(1000))})
        # Above the account's ceiling: the removal completes, the connect faults.
        first = cli("apply", "--yes", sheet(tmp_path / "q.csv", {msisdn: "150000"}))
        assert first.code != 0
        assert "rule removed, the new one not connected" in first.out + first.err
        assert msisdn not in rules(db)
        second = cli("apply", "--yes", sheet(tmp_path / "q2.csv", {msisdn: "5000"}))
        assert second.code == 0, second.out + second.err
    assert rules(db)[msisdn] == [(BLOCK_RULE.code, "5000.00")]


def test_a_value_the_catalogue_does_not_offer_and_a_threshold_are_invalid_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., CliResult]
) -> None:
    first, second = numbers(2)
    with mts_operator(tmp_path, monkeypatch) as db:
        seed(db, {first: None, second: None})
        path = tmp_path / "q.yaml"
        path.write_text(
            "version: 1\nquotas:\n"
            f"  - {{msisdn: '{first}', limit: 777, on_exceed: personal}}\n"
            f"  - {{msisdn: '{second}', limit: 2000, warn_at: 1500}}\n",
            encoding="utf-8",
        )
        result = cli("apply", "--yes", path)
        assert result.code == 1, result.out + result.err
        said = result.out + result.err
        assert "offers no limit of 777" in said
        assert "1 000,00 ₽" in said or "1000" in said  # the values it does offer are listed
        assert "sets no notification threshold" in said
    assert calls(db).get("connect", 0) == 0


def test_copies_and_foreign_rules_are_named_and_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., CliResult]
) -> None:
    copied, roaming = numbers(2)
    with mts_operator(tmp_path, monkeypatch) as db:
        seed(db, {copied: Quota(Decimal(1000)), roaming: None})
        store = MtsStore(db)
        store.add_rule(ACC, copied, BLOCK_RULE, "1000.00")
        store.add_rule(ACC, roaming, ROAMING_RULE, "300.00")
        store.close()
        path = sheet(tmp_path / "q.csv", {copied: "2000", roaming: "1500"})
        result = cli("apply", "--yes", "--skip-invalid", path)
        said = result.out + result.err
        assert f"{copied} holds 2 copies" in said
        assert "Лимит на роуминг" in said
    held = rules(db)
    assert held[copied] == [(BLOCK_RULE.code, "1000.00")] * 2  # untouched
    assert sorted(held[roaming]) == sorted(
        [(ROAMING_RULE.code, "300.00"), (BLOCK_RULE.code, "1500.00")]
    )


def test_an_expiring_token_is_renewed_mid_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., CliResult]
) -> None:
    adds = numbers(12)
    with mts_operator(tmp_path, monkeypatch, processing_ms=300, token_ttl_s=1) as db:
        seed(db, dict.fromkeys(adds))
        path = sheet(tmp_path / "q.csv", dict.fromkeys(adds, "1500"))
        run_until_done(cli, path, "--rate-limit", "4")  # three seconds of sending at least
        counted = calls(db)
    assert counted["token"] >= 3
    assert all(events(db)[(m, "connect")] == 1 for m in adds)


def test_client_credentials_refused_is_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., CliResult]
) -> None:
    with mts_operator(tmp_path, monkeypatch) as db:
        seed(db, {numbers(1)[0]: None})
        monkeypatch.setenv("QUOTABULK_CLIENT_SECRET", "wrong")
        result = cli("plan", sheet(tmp_path / "q.csv", {numbers(1)[0]: "1000"}))
    assert result.code == 1, result.err  # a configuration error: nothing was sent
    assert "refused the client credentials" in result.err
    assert "Traceback" not in result.err
    assert SECRET not in result.err


def test_blocked_personal_quota_kinds_map_to_their_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., CliResult]
) -> None:
    msisdn = numbers(1)[0]
    with mts_operator(tmp_path, monkeypatch) as db:
        seed(db, {msisdn: Quota(Decimal(1000), None, OnExceed.BLOCK)})
        path = tmp_path / "q.yaml"
        path.write_text(
            f"version: 1\nquotas:\n  - {{msisdn: '{msisdn}', limit: 1000, on_exceed: personal}}\n",
            encoding="utf-8",
        )
        run_until_done(cli, path)
    assert rules(db)[msisdn] == [("CB.LIMIT.PERSONAL", "1000.00")]


def _copy_when_connected(db: Path, copies: dict[str, str], stop: threading.Event) -> None:
    """Someone connects `copies` (number → value) the moment our connect for that number
    has reached the operator: after the run looked at the number, before its read-back."""
    store = MtsStore(db)
    try:
        waiting = dict(copies)
        while waiting and not stop.is_set():
            for msisdn, _kind, _status, _all, _at in store.events(ACC):
                if msisdn in waiting:
                    store.add_rule(ACC, msisdn, BLOCK_RULE, waiting.pop(msisdn))
            time.sleep(0.02)
    finally:
        store.close()


def test_a_copy_at_read_back_is_removed_when_it_is_ours_and_named_when_it_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., CliResult]
) -> None:
    same, other = numbers(2)
    with mts_operator(tmp_path, monkeypatch, processing_ms=600) as db:
        seed(db, {same: None, other: None})
        stop = threading.Event()
        # A second machine applying the same sheet; a person setting another value.
        watcher = threading.Thread(
            target=_copy_when_connected, args=(db, {same: "2000.00", other: "900.00"}, stop)
        )
        watcher.start()
        try:
            report = tmp_path / "r.json"
            result = cli(
                "apply",
                "--yes",
                sheet(tmp_path / "q.csv", dict.fromkeys([same, other], "2000")),
                "--report",
                report,
            )
        finally:
            stop.set()
            watcher.join()
        rows = {row["msisdn"]: row for row in json.loads(report.read_text("utf-8"))["rows"]}
    assert result.code != 0  # the other number is a conflict
    store = MtsStore(db)
    removal = [e for e in store.events(ACC) if e[0] == same and e[1] == "disconnect"]
    store.close()
    assert [(kind, status, everything) for _, kind, status, everything, _ in removal] == [
        ("disconnect", "Completed", False)  # one copy, never allDuplicates
    ]
    assert rows[same]["outcome"] == "applied"
    assert "is removed by request EV-" in rows[same]["error"]
    assert rules(db)[same] == [(BLOCK_RULE.code, "2000.00")]
    assert rows[other]["outcome"] == "conflict"
    assert sorted(rules(db)[other]) == [(BLOCK_RULE.code, "2000.00"), (BLOCK_RULE.code, "900.00")]
    assert events(db)[(other, "disconnect")] == 0  # a copy we cannot attribute stays


def test_too_many_requests_slow_the_run_down_without_failing_a_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., CliResult]
) -> None:
    adds = numbers(10)
    faults = Faults(throttle_rate=0.3, seed=2, dialect=MTS)  # 429 with code 1011, no Retry-After
    with mts_operator(tmp_path, monkeypatch, faults=faults) as db:
        seed(db, dict.fromkeys(adds))
        result = cli("apply", "--yes", sheet(tmp_path / "q.csv", dict.fromkeys(adds, "1500")))
    assert result.code == 0, result.out + result.err
    assert "10 applied" in result.out
    assert all(events(db)[(m, "connect")] == 1 for m in adds)


@pytest.mark.slow
def test_the_operators_per_minute_budget_is_waited_out_not_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., CliResult]
) -> None:
    """The operator answers 429/1011 beyond 12 calls in any minute; the client was told
    nothing of it (no per-minute limit given): it waits the minute out."""
    adds = numbers(8)
    faults = Faults(per_minute=12, dialect=MTS)
    with mts_operator(tmp_path, monkeypatch, faults=faults) as db:
        seed(db, dict.fromkeys(adds))
        result = cli("apply", "--yes", sheet(tmp_path / "q.csv", dict.fromkeys(adds, "1500")))
        refused_then_answered = sum(calls(db).values())
    assert result.code == 0, result.out + result.err
    assert refused_then_answered > 12  # more than one minute's budget was needed
    assert all(events(db)[(m, "connect")] == 1 for m in adds)
    assert all(rules(db)[m] == [(BLOCK_RULE.code, "1500.00")] for m in adds)


def test_history_lists_what_the_journal_sent_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., CliResult]
) -> None:
    added, edited = numbers(2)
    with mts_operator(tmp_path, monkeypatch) as db:
        seed(db, {added: None, edited: Quota(Decimal(1000))})
        run_until_done(cli, sheet(tmp_path / "q.csv", {added: "2000", edited: "3000"}))
        listed = cli("history", "--format", "json")
        one = cli("history", "--msisdn", edited)
    assert listed.code == 0, listed.err
    assert "keeps no history of requests" in listed.err
    sent = json.loads(listed.out)
    with sqlite3.connect(db) as conn:
        made = dict(conn.execute("SELECT event_id, kind FROM mts_events").fetchall())
    assert {item["request_id"] for item in sent} == set(made)  # every event, none more
    by_number = Counter((item["msisdn"], item["operation"]) for item in sent)
    assert by_number == Counter({(added, "add"): 1, (edited, "delete"): 1, (edited, "add"): 1})
    assert all(item["status"] == "completed" for item in sent)
    assert one.out.count("EV-") == 2
    assert added not in one.out


def test_doctor_operator_prints_each_reads_raw_answer_without_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., CliResult]
) -> None:
    msisdn = numbers(1)[0]
    with mts_operator(tmp_path, monkeypatch) as db:
        seed(db, {msisdn: Quota(Decimal(1000))})
        result = cli("doctor", "--operator")
        counted = calls(db)
    assert result.code == 0, result.out + result.err
    for path in (
        "HierarchyStructure → 200",
        "AvailableRulesByAccount → 200",
        "ProvidedRulesByAccount → 200",
        "ProvidedRulesByMSISDN → 200",
        "GetStatus → 404",
    ):
        assert path in result.out, result.out
    assert '"availableLimitValues"' in result.out  # the answers as they came
    assert "1000.00" in result.out
    assert SECRET not in result.out + result.err
    assert counted.get("connect", 0) == counted.get("disconnect", 0) == 0

"""What the executor journals once per event-loop tick: sends begun and numbers learned."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from quotabulk.domain.models import ActionKind, Extras, Quota
from quotabulk.domain.requests import RequestStatus
from quotabulk.store.journal import Journal, NewAction


def change(i: int) -> NewAction:
    after = Quota(Decimal(200 + i))
    msisdn = str(79160000000 + i)
    return NewAction(
        f"q.csv:{i + 2}",
        msisdn,
        ActionKind.EDIT,
        Quota(Decimal(100)),
        after,
        1,
        f"key-{i}",
        None,
        None,
        Extras.of(()),
    )


def test_a_tick_of_progress_lands_in_one_call_with_its_events(tmp_path: Path) -> None:
    with Journal(tmp_path / "journal.db") as journal:
        run_id = journal.create_run(
            "ACC", "identity", "apply", "url", ["q.csv"], [change(i) for i in range(3)]
        )
        first, second, third = (a.seq for a in journal.actions(run_id))
        journal.record_progress(run_id, [first, second, third], [(first, "Z-1", "new")])
        journal.record_progress(run_id, [], [(second, "Z-2", "completed")])
        journal.record_progress(run_id, [], [])
        actions = {a.seq: a for a in journal.actions(run_id)}
        events = journal.db.execute(
            "SELECT seq, what FROM events WHERE run_id = ? ORDER BY rowid", (run_id,)
        ).fetchall()
    assert (actions[first].request_id, actions[first].request_status) == ("Z-1", RequestStatus.NEW)
    assert actions[second].request_status is RequestStatus.COMPLETED
    assert actions[third].request_id is None  # begun, no number yet: re-sent with its key
    assert events == [
        (first, "sending"),
        (second, "sending"),
        (third, "sending"),
        (first, "Z-1 new"),
        (second, "Z-2 completed"),
    ]

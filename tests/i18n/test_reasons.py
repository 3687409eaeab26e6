"""Why a row ended as it did is kept as a catalogue code in the journal and read back in
the report's language; the operator's own words stay as they came, and a journal row
written before codes were kept shows its English."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from quotabulk.domain import messages as said
from quotabulk.domain.errors import RowProblem
from quotabulk.domain.language import Language
from quotabulk.domain.models import ActionKind, InvalidRow
from quotabulk.domain.outcomes import Outcome
from quotabulk.formats.reports.columns import reason_text
from quotabulk.store.journal import Journal, NewAction


def test_reasons_are_journaled_as_codes_and_shown_in_the_readers_language(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.db"
    invalid = InvalidRow(
        "q.csv:4", "7916", (RowProblem("q.csv:4", "Лимит", said.NEGATIVE(value="'-5'")),)
    )
    rows = [
        NewAction("q.csv:2", "79161000001", ActionKind.ADD),
        NewAction("q.csv:3", "79161000002", ActionKind.ADD),
        NewAction.invalid(invalid),
    ]
    with Journal(path) as journal:
        run_id = journal.create_run("ACC", "ACC", "apply", "sandbox", ("q.csv",), rows)
        journal.record_outcomes(
            run_id,
            [
                (0, Outcome.PENDING, said.NOT_SENT()),
                (1, Outcome.REJECTED, "Лимит выше потолка счёта"),  # the operator's words
            ],
        )
        run = journal.run(run_id)
    pending, rejected, bad = run.rows
    assert pending.error == "not sent yet; run the same command again to send it"
    assert reason_text(pending, Language.RU) == (
        "ещё не отправлено; запустите ту же команду снова, чтобы отправить"
    )
    assert reason_text(pending, Language.EN) == pending.error
    assert reason_text(rejected, Language.RU) == "Лимит выше потолка счёта"
    assert reason_text(bad, Language.RU) == "Лимит: '-5' — отрицательная сумма"
    # A row journaled before codes were kept: its English, as it was written.
    db = sqlite3.connect(path)
    db.execute("UPDATE actions SET said = NULL")
    db.commit()
    db.close()
    with Journal(path) as journal:
        old = journal.run(run_id).rows[0]
    assert reason_text(old, Language.RU) == "not sent yet; run the same command again to send it"

"""Splitting inputs by account, and what a command over several accounts says: every row
in exactly one account (or skipped, named, when `QUOTABULK_ACCOUNT` restricts it), the
common exit code, one digest of the whole plan that a changed part changes."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotabulk.app.holdings import OTHER_ACCOUNT_REASON, common_exit_code, needs_default, split
from quotabulk.domain.digest import holding_digest, plan_digest
from quotabulk.domain.errors import InputError
from quotabulk.domain.models import ActionKind, DesiredRow, Loaded, Quota, RowAction
from quotabulk.domain.plan import Plan, PlannedAction
from quotabulk.formats.plans.read import read_plan_file, read_plan_parts

ACCOUNTS = st.sampled_from([None, "ACC-1", "ACC-2", "ACC-3"])


def _row(index: int, account: str | None) -> DesiredRow:
    number = f"7916{index:07d}"
    return DesiredRow(
        f"book.xlsx:Лимиты:{index + 2}", number, RowAction.SET, Decimal(100), account=account
    )


@given(
    accounts=st.lists(ACCOUNTS, min_size=1, max_size=30),
    default=st.sampled_from(["ACC-1", "ACC-9"]),
    only=st.sampled_from([None, "ACC-1", "ACC-2"]),
)
def test_every_row_lands_in_exactly_one_account_or_is_skipped_and_named(
    accounts: list[str | None], default: str, only: str | None
) -> None:
    default = only or default  # a configured account is also the rows' default
    loaded = Loaded(rows=[_row(i, a) for i, a in enumerate(accounts)])
    parts = split(loaded, default, only)
    placed = [(part.account, row.source) for part in parts for row in part.loaded.rows]
    skipped = [s for part in parts for s in part.loaded.skipped]
    assert len(placed) + len(skipped) == len(accounts)
    assert len({source for _, source in placed} | {s.source for s in skipped}) == len(accounts)
    for part in parts:
        assert all((row.account or default) == part.account for row in part.loaded.rows)
    assert len({part.account for part in parts}) == len(parts)
    assert [p.account for p in parts] == sorted(p.account or "" for p in parts)
    if only is None:
        assert not skipped
    else:
        assert [part.account for part in parts] == [only]
        for s in skipped:
            assert s.account != only
            assert s.reason == OTHER_ACCOUNT_REASON.format(account=s.account)
        assert bool(loaded.notices) == bool(skipped)


def test_rows_naming_no_account_beside_named_ones_need_the_operator_to_say_whose() -> None:
    mixed = Loaded(rows=[_row(0, None), _row(1, "ACC-2")])
    assert needs_default(mixed, None)
    assert not needs_default(mixed, "ACC-1")
    assert not needs_default(Loaded(rows=[_row(0, None)]), None)  # the token's only one


def test_invalid_rows_are_reported_with_the_default_accounts_part() -> None:
    from quotabulk.domain.models import InvalidRow

    bad = InvalidRow("book.xlsx:Лимиты:9", "", ())
    loaded = Loaded(rows=[_row(0, "ACC-3"), _row(1, None)], invalid=[bad])
    parts = split(loaded, "ACC-1", None)
    assert [(p.account, p.loaded.invalid) for p in parts] == [("ACC-1", [bad]), ("ACC-3", [])]


@pytest.mark.parametrize(
    ("codes", "expected"),
    [([0, 0, 0], 0), ([3, 3], 3), ([0, 5], 3), ([4], 4), ([1, 1], 1), ([0, 1], 3), ([], 0)],
)
def test_the_exit_code_is_the_accounts_common_code_else_a_partial_run(
    codes: list[int], expected: int
) -> None:
    assert common_exit_code(codes) == expected


def _action(msisdn: str, limit: int) -> PlannedAction:
    return PlannedAction(
        msisdn, ActionKind.EDIT, Quota(Decimal(1)), Quota(Decimal(limit)), f"f.csv:{limit}"
    )


def test_the_whole_plans_digest_covers_every_account_and_not_their_order() -> None:
    one = plan_digest("ACC-1", "http://op", [_action("79160000001", 10)])
    two = plan_digest("ACC-2", "http://op", [_action("79160000002", 20)])
    other = plan_digest("ACC-2", "http://op", [_action("79160000002", 21)])
    assert holding_digest([("ACC-1", one), ("ACC-2", two)]) == holding_digest(
        [("ACC-2", two), ("ACC-1", one)]
    )
    assert holding_digest([("ACC-1", one), ("ACC-2", two)]) != holding_digest(
        [("ACC-1", one), ("ACC-2", other)]
    )


def _saved(tmp_path: Path) -> Path:
    from quotabulk.app.holding_plans import HoldingPlan, holding_json
    from quotabulk.app.planning import PlanView

    views = tuple(
        PlanView(account, "http://op", Plan((_action(number, limit),)), Loaded())
        for account, number, limit in (("ACC-1", "79160000001", 10), ("ACC-2", "79160000002", 20))
    )
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(holding_json(HoldingPlan(views, (), Loaded()))), "utf-8")
    return path


def test_a_saved_plan_of_several_accounts_reads_back_and_an_edit_anywhere_is_refused(
    tmp_path: Path,
) -> None:
    path = _saved(tmp_path)
    saved = read_plan_parts(path)
    digest, parts = saved.digest, saved.parts
    assert [p.account for p in parts] == ["ACC-1", "ACC-2"]
    assert [len(p.plan.actions) for p in parts] == [1, 1]
    assert digest == holding_digest((p.account, p.digest) for p in parts)
    with pytest.raises(InputError, match="several accounts"):
        read_plan_file(path)  # a face that runs one account says so, never runs half
    body = json.loads(path.read_text("utf-8"))
    body["actions"][1]["after"]["limit"] = "99999.00"
    path.write_text(json.dumps(body), "utf-8")
    with pytest.raises(InputError, match="edited"):
        read_plan_parts(path)
    body = json.loads(_saved(tmp_path).read_text("utf-8"))
    body["actions"][1]["account"] = "ACC-1"  # moved to another account
    path.write_text(json.dumps(body), "utf-8")
    with pytest.raises(InputError, match="edited"):
        read_plan_parts(path)


def test_prune_touches_only_an_account_with_rows_in_the_inputs() -> None:
    """`QUOTABULK_ACCOUNT=ACC-2` over a sheet of ACC-1's rows: ACC-2's part has no row of
    its own, so `--prune` must not read it as "delete every quota of ACC-2"."""
    from quotabulk.domain.plan import PlanOptions

    loaded = Loaded(rows=[_row(0, "ACC-1"), _row(1, "ACC-1")])
    (part,) = split(loaded, "ACC-2", "ACC-2")
    assert part.account == "ACC-2"
    assert not part.has_rows
    assert not part.options(PlanOptions(prune=True)).prune
    (own,) = split(Loaded(rows=[_row(0, "ACC-2")]), "ACC-2", "ACC-2")
    assert own.options(PlanOptions(prune=True)).prune


def test_another_accounts_period_to_come_is_not_this_runs_to_schedule() -> None:
    from datetime import date

    from quotabulk.domain.models import SkippedRow

    later = SkippedRow(
        "f.csv:3", "79160000003", "период …", scheduled=date(2099, 1, 1), account="ACC-2"
    )
    mine = SkippedRow(
        "f.csv:4", "79160000004", "период …", scheduled=date(2099, 1, 1), account="ACC-1"
    )
    loaded = Loaded(rows=[_row(0, "ACC-1")], skipped=[later, mine])
    (part,) = split(loaded, "ACC-1", "ACC-1")
    by_source = {s.source: s for s in part.loaded.skipped}
    assert by_source["f.csv:3"].scheduled is None
    assert by_source["f.csv:3"].reason == OTHER_ACCOUNT_REASON.format(account="ACC-2")
    assert by_source["f.csv:4"].scheduled == date(2099, 1, 1)


def test_an_account_that_did_not_run_reports_every_action_of_its_plan() -> None:
    """A refused account's report: each planned action failed with why (a prune too, which
    has no input row), unchanged ones as they are, and the rows planning found invalid."""
    from quotabulk.app.holdings import Part, refused_result
    from quotabulk.domain.errors import RowProblem
    from quotabulk.domain.models import InvalidRow
    from quotabulk.domain.outcomes import Outcome

    edit = _action("79160000001", 10)
    kept = PlannedAction("79160000002", ActionKind.UNCHANGED, None, None, "f.csv:3")
    prune = PlannedAction("79160000003", ActionKind.DELETE, Quota(Decimal(5)), None, "prune")
    stranger = InvalidRow("f.csv:4", "79169999999", (RowProblem("f.csv:4", None, "not here"),))
    plan = Plan((edit, kept, prune), problems=(stranger,))
    loaded = Loaded(rows=[_row(0, "ACC-1")])
    result = refused_result(Part("ACC-1", loaded), "ACC-1", "locked", "http://op", (), plan)
    outcomes = {row.msisdn: (row.outcome, row.error) for row in result.rows}
    assert outcomes == {
        "79160000001": (Outcome.FAILED, "locked"),
        "79160000002": (Outcome.UNCHANGED, None),
        "79160000003": (Outcome.FAILED, "locked"),
        "79169999999": (Outcome.INVALID, "not here"),
    }


@pytest.mark.slow
def test_an_error_in_the_account_column_never_sends_the_row_to_the_default_account(
    tmp_path: Path,
) -> None:
    """«Лицевой счёт» showing #N/A would read as empty, and an empty account is the
    configured one: the row would go to another legal entity's account. Saved by
    LibreOffice, the row is invalid instead, naming the cell."""
    from quotabulk.formats.inputs import load_inputs
    from tests.formats.test_office_files import SOFFICE, libreoffice

    if SOFFICE is None:
        pytest.skip("`make test` installs libreoffice-calc-nogui")
    source = tmp_path / "счета.csv"
    source.write_text(
        "Лицевой счёт;Телефон;Лимит\nACC-2;79160000001;1000\n=NA();79160000002;2000\n",
        encoding="utf-8",
    )
    made = libreoffice(tmp_path, source, "xlsx", "--infilter=CSV:59,34,76,1,1/1/2/2/3/1")
    loaded = load_inputs([made], names=[made.name])
    assert [(r.msisdn, r.account) for r in loaded.rows] == [("79160000001", "ACC-2")]
    (bad,) = loaded.invalid
    assert "A3" in bad.message
    assert "#N/A" in bad.message
    parts = split(loaded, "ACC-1", None)
    assert [p.account for p in parts] == ["ACC-2"]  # the default account gets nothing
    assert [r.msisdn for p in parts for r in p.loaded.rows] == ["79160000001"]

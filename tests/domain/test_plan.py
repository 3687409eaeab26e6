from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotabulk.domain.errors import PlanError
from quotabulk.domain.models import ActionKind, DesiredRow, OnExceed, Quota, RowAction, Subscriber
from quotabulk.domain.plan import Plan, PlanOptions, plan

M1, M2, M3 = "79161000001", "79161000002", "79161000003"


def apply_to(current: Mapping[str, Subscriber], planned: Plan) -> dict[str, Subscriber]:
    """The state an operator holds after every change of the plan succeeded: the oracle
    of the property tests, written apart from the planner on purpose."""
    state = dict(current)
    for action in planned.changes:
        held = state[action.msisdn]
        state[action.msisdn] = Subscriber(held.msisdn, action.after, held.blocked)
    return state


def row(msisdn: str, limit: int | None = None, **kw: object) -> DesiredRow:
    action = RowAction.DELETE if limit is None else RowAction.SET
    amount = None if limit is None else Decimal(limit)
    return DesiredRow(f"q.xlsx:s:{msisdn[-1]}", msisdn, action, amount, **kw)  # type: ignore[arg-type]


def state(**quotas: Quota | None) -> dict[str, Subscriber]:
    return {m: Subscriber(m, q) for m, q in {M1: None, M2: None, M3: None, **quotas}.items()}


Q100 = Quota(Decimal(100), Decimal(80), OnExceed.PERSONAL)


@pytest.mark.parametrize(
    ("desired", "current", "kind", "after"),
    [
        (row(M1, 100), None, ActionKind.ADD, Quota(Decimal(100))),
        (row(M1, 100), Q100, ActionKind.UNCHANGED, Q100),  # unmanaged fields are kept
        (row(M1, 200), Q100, ActionKind.EDIT, Quota(Decimal(200), Decimal(80), OnExceed.PERSONAL)),
        (
            row(M1, 100, manages_warn_at=True),
            Q100,
            ActionKind.EDIT,
            Quota(Decimal(100), None, OnExceed.PERSONAL),
        ),
        (
            row(M1, 100, on_exceed=OnExceed.BLOCK),
            Q100,
            ActionKind.EDIT,
            Quota(Decimal(100), Decimal(80)),
        ),
        (row(M1, 0), None, ActionKind.ADD, Quota(Decimal(0))),  # zero is a real quota
        (row(M1), Q100, ActionKind.DELETE, None),
        (row(M1), None, ActionKind.UNCHANGED, None),  # already as desired
    ],
)
def test_one_row_against_one_subscriber(
    desired: DesiredRow, current: Quota | None, kind: ActionKind, after: Quota | None
) -> None:
    [action] = plan([desired], state(**{M1: current})).actions
    assert (action.kind, action.before, action.after) == (kind, current, after)


def test_subscriber_not_on_the_account_is_a_problem_not_an_action() -> None:
    planned = plan([row("79990000000", 5)], state())
    assert not planned.actions
    assert "not a subscriber of this account" in planned.problems[0].problems[0].message


def test_kept_threshold_above_the_new_limit_is_a_problem() -> None:
    planned = plan([row(M1, 50)], state(**{M1: Q100}))
    assert "above the new limit 50" in planned.problems[0].problems[0].message


def test_prune_deletes_unmentioned_quotas_within_the_guard() -> None:
    current = state(**{M1: Q100, M2: Q100})
    planned = plan([row(M1, 100)], current, PlanOptions(prune=True))
    assert [(a.msisdn, a.kind, a.source) for a in planned.changes] == [
        (M2, ActionKind.DELETE, "--prune")
    ]
    with pytest.raises(PlanError, match=r"would delete 1 quotas.*--max-deletes 0"):
        plan([row(M1, 100)], current, PlanOptions(prune=True, max_deletes=0))
    assert not plan([row(M1, 100)], current).changes  # no prune, no deletion


def test_summary_line() -> None:
    from quotabulk.cli.render import summary_line  # the words are the face's; the counts here

    planned = plan([row(M1, 1), row(M2), row(M3, 5)], state(**{M2: Q100, M3: Quota(Decimal(5))}))
    assert summary_line(planned) == "Plan: 1 to add, 0 to edit, 1 to delete, 1 unchanged."


amounts = st.decimals(min_value=0, max_value=100_000, places=2)
quotas = st.builds(
    lambda limit, warn, exceed: Quota(limit, None if warn is None else min(warn, limit), exceed),
    amounts,
    st.none() | amounts,
    st.sampled_from(OnExceed),
)
msisdns = st.integers(79000000000, 79000000050).map(str)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[DesiredRow], dict[str, Subscriber]]:
    current = draw(st.dictionaries(msisdns, st.none() | quotas, min_size=1))
    wanted = draw(st.lists(st.sampled_from(sorted(current)), unique=True))
    rows = []
    for msisdn in wanted:
        target = draw(st.none() | quotas)
        if target is None:
            rows.append(DesiredRow(f"f:{msisdn}", msisdn, RowAction.DELETE))
            continue
        manages_warn = draw(st.booleans()) or (
            current[msisdn] is not None
            and current[msisdn].warn_at is not None  # type: ignore[union-attr]
            and current[msisdn].warn_at > target.limit  # type: ignore[union-attr,operator]
        )
        rows.append(
            DesiredRow(
                f"f:{msisdn}",
                msisdn,
                RowAction.SET,
                target.limit,
                target.warn_at if manages_warn else None,
                manages_warn,
                draw(st.sampled_from([None, target.on_exceed])),
            )
        )
    return rows, {m: Subscriber(m, q) for m, q in current.items()}


@given(scenarios())
def test_applying_a_plan_yields_the_desired_state(
    case: tuple[list[DesiredRow], dict[str, Subscriber]],
) -> None:
    rows, current = case
    planned = plan(rows, current)
    assert not planned.problems
    after = apply_to(current, planned)
    for desired in rows:
        held = after[desired.msisdn].quota
        if desired.action is RowAction.DELETE:
            assert held is None
            continue
        assert held is not None
        assert held.limit == desired.limit
        if desired.manages_warn_at:
            assert held.warn_at == desired.warn_at
        if desired.on_exceed is not None:
            assert held.on_exceed is desired.on_exceed
    assert not plan(rows, after).changes  # and planning again finds nothing to do


@given(scenarios())
def test_a_state_planned_against_itself_is_all_unchanged(
    case: tuple[list[DesiredRow], dict[str, Subscriber]],
) -> None:
    _, current = case
    as_rows = [
        DesiredRow(f"f:{m}", m, RowAction.DELETE)
        if s.quota is None
        else DesiredRow(
            f"f:{m}", m, RowAction.SET, s.quota.limit, s.quota.warn_at, True, s.quota.on_exceed
        )
        for m, s in current.items()
    ]
    planned = plan(as_rows, current, PlanOptions(prune=True, max_deletes=0))
    assert {a.kind for a in planned.actions} <= {ActionKind.UNCHANGED}
    assert len(planned.actions) == len(current)

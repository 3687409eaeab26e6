"""Periods («Действует с» / «Действует по»): which row holds on a day, and the nightly
runs that follow a sheet of periods — planned and applied each night against what the
operator holds, missed nights included."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from quotabulk.domain.models import DesiredRow, Loaded, Quota, RowAction, Subscriber
from quotabulk.domain.outcomes import Outcome, RowResult
from quotabulk.domain.periods import check_periods, take_day
from quotabulk.domain.plan import plan

FIRST = date(2026, 12, 1)
MSISDN = "79123456789"


def row(
    line: int, limit: int | None, start: date | None = None, end: date | None = None
) -> DesiredRow:
    action = RowAction.DELETE if limit is None else RowAction.SET
    amount = None if limit is None else Decimal(limit)
    return DesiredRow(f"q.csv:{line}", MSISDN, action, amount, valid_from=start, valid_until=end)


def day(n: int) -> date:
    return FIRST + timedelta(days=n)


def test_a_business_trip_raise_holds_from_its_first_to_its_last_day() -> None:
    standing, trip = row(2, 1000), row(3, 5000, day(0), day(14))
    for on, holding in ((day(-1), standing), (day(0), trip), (day(14), trip), (day(15), standing)):
        loaded = Loaded(rows=[standing, trip])
        take_day(loaded, on)
        assert loaded.rows == [holding], on


def test_rows_not_holding_today_are_scheduled_or_ended_never_dropped() -> None:
    standing, trip = row(2, 1000), row(3, 5000, day(0), day(14))
    before = Loaded(rows=[standing, trip])
    schedule = take_day(before, day(-1))
    [ahead] = before.skipped
    assert (ahead.source, ahead.scheduled) == ("q.csv:3", day(0))
    assert RowResult.set_aside(ahead).outcome is Outcome.SCHEDULED
    assert [(c.day, c.until, c.then) for c in schedule] == [(day(0), day(14), standing)]
    during = Loaded(rows=[standing, trip])
    schedule = take_day(during, day(3))
    [aside] = during.skipped
    assert (aside.source, aside.scheduled) == ("q.csv:2", day(15))  # the standing row again
    assert [(c.day, c.row) for c in schedule] == [(day(15), standing)]
    after = Loaded(rows=[standing, trip])
    assert take_day(after, day(20)) == []
    [ended] = after.skipped
    assert ended.scheduled is None
    assert "период закончился 15.12.2026" in ended.reason
    assert RowResult.set_aside(ended).outcome is Outcome.SKIPPED


def test_overlapping_periods_name_each_other_and_hold_back_the_whole_number() -> None:
    standing = row(2, 1000)
    first, second = row(3, 5000, day(0), day(10)), row(4, 3000, day(10), day(20))
    invalid = check_periods([[standing, first, second]])
    by_source = {r.source: r.message for r in invalid}
    assert set(by_source) == {"q.csv:2", "q.csv:3", "q.csv:4"}
    assert "11.12.2026–21.12.2026 at q.csv:4" in by_source["q.csv:3"]
    assert "q.csv:3" in by_source["q.csv:4"]
    assert "problem with its period" in by_source["q.csv:2"]


def test_only_dated_rows_are_refused_outside_their_periods_is_not_guessed() -> None:
    [invalid] = check_periods([[row(3, 5000, day(0), day(14))]])
    assert "only dated rows" in invalid.message


@st.composite
def periods(draw: st.DrawFn) -> list[DesiredRow]:
    """A standing row (a limit or «удалить») and up to four periods that do not overlap,
    some open at one end."""
    cuts = sorted(draw(st.sets(st.integers(0, 60), min_size=0, max_size=8)))
    rows = [row(2, draw(st.sampled_from([None, 500, 1000])))]
    for i in range(0, len(cuts) - 1, 2):
        start, end = cuts[i], cuts[i + 1]
        open_start = i == 0 and draw(st.booleans())
        # Open at one end at most: a row open at both is a second standing row.
        open_end = not open_start and i + 2 >= len(cuts) - 1 and draw(st.booleans())
        limit = draw(st.sampled_from([None, 700, 1500, 5000]))
        rows.append(
            row(3 + i, limit, None if open_start else day(start), None if open_end else day(end))
        )
    return rows


def _holds(rows: list[DesiredRow], on: date) -> Quota | None:
    """What the sheet says the number holds on `on`, written out plainly."""
    dated = [r for r in rows[1:] if r.holds_on(on)]
    chosen = dated[0] if dated else rows[0]
    return chosen.desired_quota(None)


@settings(max_examples=150, deadline=None)
@given(periods(), st.lists(st.integers(-5, 70), min_size=1, max_size=12, unique=True))
def test_after_every_night_the_operator_holds_the_sheets_state_for_that_day(
    rows: list[DesiredRow], nights: list[int]
) -> None:
    """Each night: read the sheet for that day, plan against what the operator holds, and
    apply the plan. Nights are missed at random: the state for the day is what counts."""
    assert check_periods([rows]) == []
    held: Quota | None = Quota(Decimal(100))
    for night in sorted(nights):
        loaded = Loaded(rows=list(rows))
        take_day(loaded, day(night))
        planned = plan(loaded.rows, {MSISDN: Subscriber(MSISDN, held)})
        for action in planned.changes:
            held = action.after
        assert held == _holds(rows, day(night)), night


def test_a_plan_of_periods_holds_between_the_nearest_edges_of_its_periods() -> None:
    standing, trip, course = row(2, 1000), row(3, 5000, day(0), day(14)), row(4, 2000, day(19))
    for on, since, until in (
        (day(-3), None, day(-1)),
        (day(3), day(0), day(14)),
        (day(16), day(15), day(18)),
        (day(40), day(19), None),
    ):
        loaded = Loaded(rows=[standing, trip, course], day=on)
        take_day(loaded, on)
        planned_for = loaded.planned_day
        assert planned_for is not None
        assert (planned_for.since, planned_for.until) == (since, until), on
        assert planned_for.holds_on(on)

"""A change's idempotency key: a period is part of the change (a raise and its revert at
one version are two changes), and a standing row's key is the one it always had."""

from __future__ import annotations

from decimal import Decimal

from quotabulk.domain.models import Quota
from quotabulk.engine.keys import change_key


def test_a_period_makes_another_change_and_a_standing_row_keeps_its_key() -> None:
    after = Quota(Decimal(5000))
    standing = change_key("ACC-1", "79123456789", 3, after)
    trip = change_key("ACC-1", "79123456789", 3, after, "2026-12-01..2026-12-15")
    other_trip = change_key("ACC-1", "79123456789", 3, after, "2027-01-01..2027-01-15")
    assert len({standing, trip, other_trip}) == 3
    assert change_key("ACC-1", "79123456789", 3, after, "") == standing
    assert change_key("ACC-1", "79123456789", 3, after, "2026-12-01..2026-12-15") == trip

"""A desired-state file read as a current state: for `plan --current` and `sandbox seed --from`."""

from __future__ import annotations

from collections.abc import Iterable

from quotabulk.domain.models import DesiredRow, Subscriber


def state_from_rows(rows: Iterable[DesiredRow]) -> dict[str, Subscriber]:
    """Every msisdn becomes a subscriber; a `delete` row is a subscriber without a quota."""
    return {row.msisdn: Subscriber(row.msisdn, row.desired_quota(None)) for row in rows}

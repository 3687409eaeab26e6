"""What quotas an operator accepts, checked at plan time so that a quota it would refuse
is an invalid row of the plan, never a request that faults later.

Our own API accepts any amount and a threshold; an operator that keeps a quota as a
catalogue rule may offer only preset values, and no threshold at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from quotabulk.domain import messages as said
from quotabulk.domain.amounts import format_amount
from quotabulk.domain.messages import Text
from quotabulk.domain.models import Loaded, OnExceed, Quota, Subscriber


@dataclass(frozen=True)
class QuotaRules:
    """`values[on_exceed]`: the limits offered for that kind of quota (absent or None:
    any amount)."""

    thresholds: bool = True
    values: Mapping[OnExceed, frozenset[Decimal] | None] = field(default_factory=dict)

    def refusal(self, msisdn: str, quota: Quota | None) -> Text | None:
        """Why the operator would refuse `quota`, in words; None when it accepts it."""
        if quota is None:
            return None
        if quota.warn_at is not None and not self.thresholds:
            return said.NO_THRESHOLD_HERE(msisdn=msisdn)
        offered = self.values.get(quota.on_exceed)
        if offered is not None and quota.limit not in offered:
            allowed = ", ".join(f"{format_amount(v)} ₽" for v in sorted(offered))
            return said.VALUE_NOT_OFFERED(
                msisdn=msisdn, limit=format_amount(quota.limit), allowed=allowed
            )
        return None


ANY_QUOTA = QuotaRules()


def foreign_rules(current: Mapping[str, Subscriber], loaded: Loaded) -> list[Text]:
    """The rules quotabulk does not manage on the numbers the inputs name: said, and
    left as they are."""
    return [
        said.FOREIGN_RULES(msisdn=msisdn, rules=", ".join(subscriber.foreign))
        for msisdn in sorted(loaded.mentioned() | {row.msisdn for row in loaded.rows})
        if (subscriber := current.get(msisdn)) is not None and subscriber.foreign
    ]

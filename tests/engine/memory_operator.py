"""A tiny operator that lives in a dict and implements the port without HTTP: what the
engine needs of an operator, and nothing of a dialect. Requests complete on the first
status read after they were made."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from quotabulk.domain.errors import RequestInFlight, StaleVersion
from quotabulk.domain.models import Quota, Subscriber
from quotabulk.domain.quota_rules import ANY_QUOTA, QuotaRules
from quotabulk.domain.requests import Operation, Request, RequestStatus
from quotabulk.operator.port import Capabilities, Pacer, RawRead


@dataclass
class MemoryOperator:
    account: str
    people: dict[str, Subscriber]
    capabilities: Capabilities = field(default_factory=Capabilities)
    url: str = "memory:"
    requests: dict[str, Request] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)
    submits: int = 0
    paced: int = 0
    # Numbers someone else changes just before our submit reaches the operator.
    changed_by_others: set[str] = field(default_factory=set)
    # Quotas someone else sets right after our request for the number completed.
    set_by_others_after_ours: dict[str, Quota] = field(default_factory=dict)
    pacer: Pacer | None = None

    def pace_with(self, pacer: Pacer) -> None:
        self.pacer = pacer

    async def _turn(self) -> None:
        if self.pacer is not None:
            await self.pacer.take()
            self.paced += 1

    async def subscribers(self) -> dict[str, Subscriber]:
        await self._turn()
        return dict(self.people)

    async def subscribers_of(self, msisdns: Sequence[str]) -> dict[str, Subscriber]:
        await self._turn()
        return {m: self.people[m] for m in msisdns if m in self.people}

    async def submit(
        self,
        msisdn: str,
        operation: Operation,
        quota: Quota | None,
        key: str,
        if_match: int | None = None,
        before: Quota | None = None,
    ) -> Request:
        await self._turn()
        self.submits += 1
        if key in self.by_key:
            return self.requests[self.by_key[key]]
        if msisdn in self.changed_by_others:
            self.changed_by_others.discard(msisdn)
            self.people[msisdn] = self.people[msisdn]._replace(
                version=self.people[msisdn].version + 1
            )
        if any(r.msisdn == msisdn and not r.status.final for r in self.requests.values()):
            raise RequestInFlight(409, "request_in_flight", "a request is in flight")
        if if_match is not None and self.people[msisdn].version != if_match:
            raise StaleVersion(412, "version_mismatch", "the subscriber changed")
        now = datetime.now(UTC)
        request = Request(
            f"M-{len(self.requests) + 1}",
            msisdn,
            operation,
            quota,
            RequestStatus.NEW,
            None,
            now,
            now,
        )
        self.requests[request.request_id] = request
        self.by_key[key] = request.request_id
        return request

    async def quota_rules(self) -> QuotaRules:
        return ANY_QUOTA

    async def statuses(self, request_ids: Sequence[str]) -> list[Request]:
        await self._turn()
        found = []
        for request_id in request_ids:
            request = self.requests.get(request_id)
            if request is None:
                continue
            if not request.status.final:
                request = replace(request, status=RequestStatus.COMPLETED)
                self.requests[request_id] = request
                held = self.people[request.msisdn]
                self.people[request.msisdn] = held._replace(
                    quota=request.quota, version=held.version + 1
                )
                theirs = self.set_by_others_after_ours.pop(request.msisdn, None)
                if theirs is not None:
                    held = self.people[request.msisdn]
                    self.people[request.msisdn] = held._replace(
                        quota=theirs, version=held.version + 1
                    )
            found.append(request)
        return found

    async def raw_reads(self) -> list[RawRead]:
        return []  # no wire to show

    async def history(
        self, since: datetime | None = None, msisdn: str | None = None
    ) -> list[Request]:
        await self._turn()
        return [r for r in self.requests.values() if msisdn is None or r.msisdn == msisdn]

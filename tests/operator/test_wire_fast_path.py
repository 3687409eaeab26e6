"""The client reads subscriber pages through plain typed dicts (fast) while the contract
is declared as models (for the schema): both must accept and refuse the same pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from quotabulk.operator.http.wire import SubscriberPage, SubscriberRows

GOOD_QUOTA = {"limit": "1500.00", "warn_at": "1200.00", "on_exceed": "block"}
CASES: list[dict[str, Any]] = [
    {"msisdn": "79161000005", "status": "active", "quota": GOOD_QUOTA, "version": 3},
    {"msisdn": "79161000005", "status": "blocked", "quota": None, "version": 0},
    {"msisdn": "79161000005", "status": "active", "quota": {"limit": "0"}},
    {"msisdn": "89161000005", "status": "active", "quota": None},  # not 7XXXXXXXXXX
    {"msisdn": "79161000005", "status": "frozen", "quota": None},  # unknown status
    {"msisdn": "79161000005", "status": "active", "quota": {"limit": "1,5"}},
    {"msisdn": "79161000005", "status": "active", "quota": {"limit": "-1"}},
    {"msisdn": "79161000005", "status": "active", "quota": {"limit": "1.234"}},
    {"msisdn": "79161000005", "status": "active", "quota": {**GOOD_QUOTA, "on_exceed": "x"}},
    {"msisdn": "79161000005", "status": "active", "quota": None, "version": -1},
    {"msisdn": "79161000005", "status": "active"},  # quota missing
]


def accepts(adapter: TypeAdapter[Any], body: bytes) -> bool:
    try:
        adapter.validate_json(body)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("item", CASES)
def test_the_fast_reader_and_the_contract_agree(item: dict[str, Any]) -> None:
    body = json.dumps({"items": [item], "next_cursor": None}).encode()
    assert accepts(TypeAdapter(SubscriberRows), body) == accepts(TypeAdapter(SubscriberPage), body)

"""The sandbox behaves like the cabinet: numbers first, rules later, refusals at once."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from quotabulk.domain.models import OnExceed, Quota, Subscriber
from quotabulk.sandbox.app import create_app
from quotabulk.sandbox.seed import random_subscribers
from quotabulk.sandbox.store import Behaviour, SandboxStore
from tests.asgi import AsgiClient

ACC = "ACC-1"
BASE = f"/v1/accounts/{ACC}"
AUTH = {"Authorization": "Bearer secret-token"}
FREE, HELD, BLOCKED = "79000000001", "79000000002", "79000000003"
SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def open_sandbox(tmp_path: Path, **behaviour: Any) -> tuple[AsgiClient, SandboxStore]:
    store = SandboxStore(tmp_path / "sandbox.db", Behaviour(**{"processing_ms": 60, **behaviour}))
    store.reset_account(
        ACC,
        [
            Subscriber(FREE),
            Subscriber(HELD, Quota(Decimal(500))),
            Subscriber(BLOCKED, None, True),
        ],
    )
    return AsgiClient(create_app(store, "secret-token")), store


@pytest.fixture
def api(tmp_path: Path) -> Iterator[AsgiClient]:
    client, store = open_sandbox(tmp_path)
    with client:
        yield client
    store.close()


def submit(
    api: AsgiClient, msisdn: str, operation: str, limit: str | None = "100", key: str | None = None
) -> Any:
    body: dict[str, Any] = {"msisdn": msisdn, "operation": operation}
    if limit is not None:
        body["quota"] = {"limit": limit, "on_exceed": "block"}
    return api.post(
        f"{BASE}/requests",
        json=body,
        headers={**AUTH, "Idempotency-Key": key or f"key-{msisdn}-{operation}-{limit}"},
    )


def settle(api: AsgiClient, request_id: str) -> dict[str, Any]:
    for _ in range(100):
        answer = api.get(f"{BASE}/requests/{request_id}", headers=AUTH).json()
        if answer["status"] in ("completed", "rejected"):
            return answer  # type: ignore[no-any-return]
        time.sleep(0.02)
    raise AssertionError(f"{request_id} never became final")


def quota_of(api: AsgiClient, msisdn: str) -> Any:
    items = api.get(f"{BASE}/subscribers", headers=AUTH).json()["items"]
    return next(item["quota"] for item in items if item["msisdn"] == msisdn)


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}]
)
def test_every_call_without_the_token_is_401(api: AsgiClient, headers: dict[str, str]) -> None:
    for method, path in [
        ("GET", "/subscribers"),
        ("POST", "/requests"),
        ("GET", "/requests"),
        ("GET", "/requests/Z-1"),
    ]:
        answer = api.request(method, BASE + path, headers=headers)
        assert answer.status_code == 401
        assert answer.json()["code"] == "unauthorized"


def test_a_request_is_numbered_first_and_changes_the_quota_only_on_completion(
    api: AsgiClient,
) -> None:
    answer = submit(api, FREE, "add", "1500.50")
    assert answer.status_code == 201
    request = answer.json()
    assert request["status"] == "new"
    assert request["request_id"].startswith(f"Z-{time.gmtime().tm_year}-")
    assert len(request["request_id"].split("-")[-1]) == 7
    assert quota_of(api, FREE) is None
    final = settle(api, request["request_id"])
    assert final["status"] == "completed"
    assert final["reason"] is None
    assert quota_of(api, FREE) == {"limit": "1500.50", "warn_at": None, "on_exceed": "block"}


def test_status_passes_through_in_progress(tmp_path: Path) -> None:
    client, store = open_sandbox(tmp_path, processing_ms=400)
    with client:
        request_id = submit(client, FREE, "add").json()["request_id"]
        seen = set()
        for _ in range(60):
            seen.add(client.get(f"{BASE}/requests/{request_id}", headers=AUTH).json()["status"])
            time.sleep(0.02)
    store.close()
    assert seen == {"new", "in_progress", "completed"}


def test_same_key_same_body_returns_the_original_request(api: AsgiClient) -> None:
    first = submit(api, FREE, "add", key="idem-key-1")
    again = submit(api, FREE, "add", key="idem-key-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["request_id"] == again.json()["request_id"]
    history = api.get(f"{BASE}/requests", headers=AUTH, params={"msisdn": FREE}).json()["items"]
    assert len(history) == 1


def test_same_key_different_body_is_409(api: AsgiClient) -> None:
    submit(api, FREE, "add", "100", key="idem-key-2")
    other = submit(api, FREE, "add", "200", key="idem-key-2")
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_conflict"


def test_second_request_while_one_is_in_flight_is_refused(api: AsgiClient) -> None:
    assert submit(api, HELD, "edit", "700").status_code == 201
    second = submit(api, HELD, "edit", "800")
    assert second.status_code == 409
    assert second.json()["code"] == "request_in_flight"


@pytest.mark.parametrize(
    ("msisdn", "operation", "limit", "reason"),
    [
        (BLOCKED, "add", "100", "заблокирован"),
        (FREE, "add", "100000.01", "потолка"),
        (FREE, "edit", "100", "нет квоты"),
        (FREE, "delete", None, "нет квоты"),
        (HELD, "add", "100", "уже есть квота"),
    ],
)
def test_business_rules_reject_later_with_a_reason(
    api: AsgiClient, msisdn: str, operation: str, limit: str | None, reason: str
) -> None:
    answer = submit(api, msisdn, operation, limit)
    assert answer.status_code == 201  # a number first, like the cabinet
    final = settle(api, answer.json()["request_id"])
    assert final["status"] == "rejected"
    assert reason in final["reason"]


def test_a_threshold_above_the_limit_is_a_business_rejection(api: AsgiClient) -> None:
    """JSON Schema cannot compare two fields, so the contract accepts the call and the
    operator rejects it later, with its code, like any other business rule."""
    body = {"msisdn": FREE, "operation": "add", "quota": {"limit": "10", "warn_at": "20"}}
    answer = api.post(f"{BASE}/requests", json=body, headers={**AUTH, "Idempotency-Key": "w" * 8})
    assert answer.status_code == 201
    final = settle(api, answer.json()["request_id"])
    assert (final["status"], final["reason_code"]) == ("rejected", "warn_above_limit")


def test_the_ceiling_itself_is_allowed(api: AsgiClient) -> None:
    final = settle(api, submit(api, FREE, "add", "100000").json()["request_id"])
    assert final["status"] == "completed"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"msisdn": "79990000000", "operation": "delete"}, 404, "subscriber_not_found"),
        ({"msisdn": "123", "operation": "delete"}, 422, "malformed"),
        ({"msisdn": FREE, "operation": "add"}, 422, "malformed"),
        ({"msisdn": FREE, "operation": "add", "quota": {"limit": "-1"}}, 422, "malformed"),
        ({"msisdn": FREE, "operation": "add", "quota": {"limit": "1.005"}}, 422, "malformed"),
    ],
)
def test_what_is_wrong_with_the_call_is_refused_at_once(
    api: AsgiClient, body: dict[str, Any], status: int, code: str
) -> None:
    answer = api.post(f"{BASE}/requests", json=body, headers={**AUTH, "Idempotency-Key": "k" * 10})
    assert (answer.status_code, answer.json()["code"]) == (status, code)
    assert "request_id" not in answer.json()


def test_missing_idempotency_key_is_refused(api: AsgiClient) -> None:
    answer = api.post(
        f"{BASE}/requests", json={"msisdn": FREE, "operation": "delete"}, headers=AUTH
    )
    assert (answer.status_code, answer.json()["code"]) == (422, "malformed")


def test_subscribers_are_paged(tmp_path: Path) -> None:
    store = SandboxStore(tmp_path / "s.db")
    store.reset_account(ACC, random_subscribers(2500, 0.5, 0.1, seed=1))
    with AsgiClient(create_app(store, "secret-token")) as client:
        seen, cursor, pages = [], None, 0
        while True:
            params = {"page_size": 1000, **({"cursor": cursor} if cursor else {})}
            page = client.get(f"{BASE}/subscribers", headers=AUTH, params=params).json()
            seen += [item["msisdn"] for item in page["items"]]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        whole = client.get(f"{BASE}/subscribers", headers=AUTH, params={"page_size": 10_000})
        too_big = client.get(f"{BASE}/subscribers", headers=AUTH, params={"page_size": 10_001})
    store.close()
    assert (pages, len(seen), len(set(seen))) == (3, 2500, 2500)
    assert seen == sorted(seen)
    # Up to 10 000 a page (the contract's maximum): 100k subscribers in 10 round trips.
    assert [item["msisdn"] for item in whole.json()["items"]] == seen
    assert whole.json()["next_cursor"] is None
    assert too_big.status_code == 422


def test_batch_statuses_and_history_filters(api: AsgiClient) -> None:
    ids = [
        submit(api, m, op, lim).json()["request_id"]
        for m, op, lim in [(FREE, "add", "1"), (HELD, "delete", None)]
    ]
    batch = api.post(
        f"{BASE}/requests:status", json={"ids": [*ids, "Z-1999-0000001"]}, headers=AUTH
    ).json()
    assert [item["request_id"] for item in batch["items"]] == ids
    assert (
        api.post(f"{BASE}/requests:status", json={"ids": ["x"] * 501}, headers=AUTH).status_code
        == 422
    )
    only_held = api.get(f"{BASE}/requests", headers=AUTH, params={"msisdn": HELD}).json()["items"]
    assert [item["request_id"] for item in only_held] == ids[1:]
    future = api.get(
        f"{BASE}/requests", headers=AUTH, params={"since": "2999-01-01T00:00:00Z"}
    ).json()
    assert future["items"] == []


def test_accounts_live_side_by_side(tmp_path: Path) -> None:
    client, store = open_sandbox(tmp_path)
    store.reset_account("ACC-2", [Subscriber(FREE, Quota(Decimal(1)))])
    with client:
        one = submit(client, FREE, "add").json()
        two = client.post(
            "/v1/accounts/ACC-2/requests",
            json={"msisdn": FREE, "operation": "delete"},
            headers={**AUTH, "Idempotency-Key": "other-account"},
        ).json()
        unknown = client.get("/v1/accounts/ACC-404/subscribers", headers=AUTH)
    store.close()
    assert one["request_id"] == two["request_id"]  # numbered per account
    assert (unknown.status_code, unknown.json()["code"]) == (404, "account_not_found")


def test_reject_rate_rejects_with_a_reason(tmp_path: Path) -> None:
    client, store = open_sandbox(tmp_path, reject_rate=1.0)
    with client:
        final = settle(client, submit(client, FREE, "add").json()["request_id"])
    store.close()
    assert final["status"] == "rejected"
    assert "Отклонено" in final["reason"]
    assert OnExceed.BLOCK  # the enum the API shares with the domain


def test_the_token_is_checked_before_the_body_is_read(api: AsgiClient) -> None:
    answer = api.post(
        f"{BASE}/requests", content=b"{not json", headers={"Idempotency-Key": "k" * 8}
    )
    assert answer.status_code == 401
    assert answer.json()["code"] == "unauthorized"
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_a_replay_answers_200_with_the_location_of_the_original(api: AsgiClient) -> None:
    headers = {**AUTH, "Idempotency-Key": "replay-key-1"}
    body = {"msisdn": HELD, "operation": "delete"}
    first = api.post(f"{BASE}/requests", json=body, headers=headers)
    again = api.post(f"{BASE}/requests", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    location = f"{BASE}/requests/{first.json()['request_id']}"
    assert first.headers["Location"] == again.headers["Location"] == location
    assert api.get(location, headers=AUTH).json()["request_id"] == first.json()["request_id"]


@pytest.mark.parametrize("amount", ["-0", "1e3", "+5", "1.234", "12345678901", " 5", "5."])
def test_amounts_are_plain_decimal_text(api: AsgiClient, amount: str) -> None:
    body = {"msisdn": FREE, "operation": "add", "quota": {"limit": amount}}
    answer = api.post(f"{BASE}/requests", json=body, headers={**AUTH, "Idempotency-Key": "a" * 8})
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "malformed"


def test_add_without_a_quota_is_malformed_and_the_schema_says_so(api: AsgiClient) -> None:
    body = {"msisdn": FREE, "operation": "add", "quota": None}
    answer = api.post(f"{BASE}/requests", json=body, headers={**AUTH, "Idempotency-Key": "b" * 8})
    assert answer.status_code == 422
    schema = json.loads((SCHEMAS / "operator-api.json").read_text(encoding="utf-8"))
    submit = schema["components"]["schemas"]["SubmitRequest"]
    assert {"enum": ["add", "edit"]} in [b["properties"]["operation"] for b in submit["oneOf"]]


def test_since_is_strict_iso_with_a_zone_and_inclusive_to_the_microsecond(
    api: AsgiClient,
) -> None:
    made = api.post(
        f"{BASE}/requests",
        json={"msisdn": HELD, "operation": "delete"},
        headers={**AUTH, "Idempotency-Key": "since-key-1"},
    ).json()
    for since in (made["created_at"], made["created_at"].replace("Z", "+00:00")):
        found = api.get(f"{BASE}/requests", headers=AUTH, params={"since": since}).json()
        assert [r["request_id"] for r in found["items"]] == [made["request_id"]]
    for wrong in ("0.918", "2026-11-26", "2026-11-26T10:00:00"):
        answer = api.get(f"{BASE}/requests", headers=AUTH, params={"since": wrong})
        assert answer.status_code == 422, wrong


def test_a_wrong_method_says_which_are_allowed(api: AsgiClient) -> None:
    answer = api.request("DELETE", f"{BASE}/subscribers", headers=AUTH)
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET"
    assert answer.json()["code"] == "method_not_allowed"


def test_a_rejection_carries_a_machine_readable_reason_code(tmp_path: Path) -> None:
    client, store = open_sandbox(tmp_path)
    with client:
        body = {"msisdn": BLOCKED, "operation": "edit", "quota": {"limit": "10"}}
        made = client.post(
            f"{BASE}/requests", json=body, headers={**AUTH, "Idempotency-Key": "c" * 8}
        ).json()
        time.sleep(0.2)
        final = client.get(f"{BASE}/requests/{made['request_id']}", headers=AUTH).json()
    store.close()
    assert final["status"] == "rejected"
    assert final["reason_code"] == "subscriber_blocked"
    assert final["reason"] == "Абонент заблокирован"

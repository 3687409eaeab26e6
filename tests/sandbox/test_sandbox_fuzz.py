"""The sandbox never answers 500, whatever arrives, when its fault knobs are off."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotabulk.domain.models import Quota, Subscriber
from quotabulk.sandbox.app import create_app
from quotabulk.sandbox.store import Behaviour, SandboxStore
from tests.asgi import AsgiClient

AUTH = {"Authorization": "Bearer fuzz-token"}
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=10,
)
msisdns = st.sampled_from(["79000000001", "79000000002", "7900", "", "x" * 40, "79990000000"])
amounts = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False).map(str), st.integers(), st.text(max_size=8)
)
quotas = st.fixed_dictionaries(
    {"limit": amounts},
    optional={
        "warn_at": st.none() | amounts,
        "on_exceed": st.sampled_from(["block", "personal", "x"]),
    },
)
bodies = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"msisdn": msisdns, "operation": st.sampled_from(["add", "edit", "delete", "nope"])},
        optional={"quota": st.none() | quotas},
    ),
)
paths = st.sampled_from(
    [
        "/v1/accounts",
        "/v1/accounts/ACC-1/subscribers",
        "/v1/accounts/ACC-1/requests",
        "/v1/accounts/ACC-1/requests:status",
        "/v1/accounts/ACC-1/requests/Z-2026-0000001",
        "/v1/accounts/NOPE/requests",
        "/v1/accounts/ACC-1/requests/%00",
        "/v1/nothing",
    ]
)
params = st.dictionaries(
    st.sampled_from(["limit", "cursor", "since", "msisdn"]), st.text(max_size=12), max_size=3
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AsgiClient]:
    store = SandboxStore(tmp_path_factory.mktemp("fuzz") / "s.db", Behaviour(processing_ms=5))
    store.reset_account(
        "ACC-1", [Subscriber("79000000001"), Subscriber("79000000002", Quota(Decimal(1)))]
    )
    with AsgiClient(create_app(store, "fuzz-token")) as client:
        yield client
    store.close()


@settings(
    max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
    path=paths,
    body=bodies,
    query=params,
    key=st.none() | st.text(max_size=30),
)
def test_no_input_makes_the_sandbox_answer_500(
    api: AsgiClient, method: str, path: str, body: Any, query: dict[str, str], key: str | None
) -> None:
    headers = dict(AUTH)
    if key is not None and key.isprintable() and key.isascii():
        headers["Idempotency-Key"] = key
    answer = api.request(method, path, json=body, params=query, headers=headers)
    assert answer.status_code < 500, answer.text
    if answer.status_code >= 400:
        assert set(answer.json()) == {"code", "message"}

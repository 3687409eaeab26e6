"""The client over real HTTP on loopback: paging, idempotency, 429s, lost answers, errors."""

from __future__ import annotations

import asyncio
import inspect
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from quotabulk.app.workspace import Workspace
from quotabulk.config import Settings
from quotabulk.domain.errors import (
    ApiError,
    ApiStatusError,
    ApiTransportError,
    ConfigError,
    OperatorFault,
    OperatorUnavailable,
    Rejected,
    RequestInFlight,
    StaleVersion,
    Throttled,
)
from quotabulk.domain.models import Quota, Subscriber
from quotabulk.domain.requests import Operation
from quotabulk.operator.connect import ConnectOptions, RetryPolicy, connect
from quotabulk.operator.http.client import OperatorClient
from quotabulk.operator.http.errors import HTTPX_ERRORS, translate_httpx_error
from quotabulk.operator.port import OperatorConfig
from quotabulk.sandbox.faults import Faults
from quotabulk.sandbox.seed import random_subscribers
from quotabulk.sandbox.store import Behaviour, SandboxStore
from tests.live import TOKEN, LiveSandbox, live_sandbox

ACC = "ACC-7"
FAST_RETRY = RetryPolicy(base_s=0.01, max_wait_s=0.2)


def seeded(db: Path, subscribers: list[Subscriber]) -> None:
    store = SandboxStore(db)
    store.reset_account(ACC, subscribers)
    store.close()


def config_for(live: LiveSandbox, token: str = TOKEN, timeout_s: float = 30.0) -> OperatorConfig:
    from pydantic import SecretStr

    settings = Settings(
        live.url, SecretStr(token), ACC, live.db.parent, operator_timeout_s=timeout_s
    )
    return settings.operator_config(ACC)


def run(
    live: LiveSandbox,
    work,
    token: str = TOKEN,
    retries: list[BaseException] | None = None,
    policy: RetryPolicy = FAST_RETRY,
    timeout_s: float = 30.0,
):  # type: ignore[no-untyped-def]
    async def session():  # type: ignore[no-untyped-def]
        on_retry = (lambda exc, _: retries.append(exc)) if retries is not None else None
        options = ConnectOptions(retry=policy, on_retry=on_retry)
        async with connect(config_for(live, token, timeout_s), options) as client:
            return await work(client)

    return asyncio.run(session())


def test_listing_reads_every_page(tmp_path: Path) -> None:
    people = random_subscribers(2345, 0.6, 0.1, seed=3)
    seeded(tmp_path / "s.db", people)
    with live_sandbox(tmp_path / "s.db") as live:
        found = run(live, lambda c: c.subscribers())
    assert found == {s.msisdn: s for s in people}


def test_a_query_reads_the_named_subscribers_a_thousand_per_call(tmp_path: Path) -> None:
    people = random_subscribers(2345, 0.6, 0.1, seed=5)
    seeded(tmp_path / "s.db", people)
    wanted = [s.msisdn for s in people[::2]]  # 1 173 numbers: two calls
    stranger = "79999999999"
    with live_sandbox(tmp_path / "s.db") as live:

        async def query(client: OperatorClient) -> tuple[dict[str, Subscriber], int]:
            found = await client.subscribers_of([*wanted, stranger])
            return found, client.calls

        found, calls = run(live, query)
        too_many = httpx.post(
            f"{live.url}/v1/accounts/{ACC}/subscribers:query",
            json={"msisdns": wanted[:1001]},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
    assert found == {s.msisdn: s for s in people[::2]}
    assert calls == 2
    assert too_many.status_code == 422


def test_lost_answers_are_resent_with_the_same_key_and_make_one_request(tmp_path: Path) -> None:
    seeded(tmp_path / "s.db", [Subscriber(f"7900000{i:04d}") for i in range(40)])
    faults = Faults(lost_response_rate=0.5, seed=7)
    retries: list[BaseException] = []
    with live_sandbox(tmp_path / "s.db", faults=faults) as live:

        async def submit_all(client: OperatorClient) -> list[str]:
            done = []
            for i in range(40):
                request = await client.submit(
                    f"7900000{i:04d}", Operation.ADD, Quota(Decimal(10)), f"key-{i:04d}"
                )
                done.append(request.request_id)
            return done

        ids = run(live, submit_all, retries=retries)
        history = run(live, lambda c: c.history())
    assert any(isinstance(exc, ApiTransportError) for exc in retries)  # answers really were lost
    assert len(set(ids)) == 40
    assert sorted(r.request_id for r in history) == sorted(ids)  # never a second request


@pytest.mark.slow
def test_throttling_and_503s_are_retried(tmp_path: Path) -> None:
    seeded(tmp_path / "s.db", random_subscribers(10, 0.5, 0, seed=1))
    retries: list[BaseException] = []
    faults = Faults(error_rate=0.3, throttle_rate=0.3, seed=11)
    with live_sandbox(tmp_path / "s.db", faults=faults) as live:
        for _ in range(3):
            assert len(run(live, lambda c: c.subscribers(), retries=retries)) == 10
    statuses = {exc.status for exc in retries if isinstance(exc, ApiStatusError)}
    assert statuses == {429, 503}


def test_retry_after_is_honoured(tmp_path: Path) -> None:
    seeded(tmp_path / "s.db", random_subscribers(3, 0.5, 0, seed=1))
    retries: list[BaseException] = []
    with live_sandbox(tmp_path / "s.db", faults=Faults(rate_limit=2)) as live:
        loop_started = asyncio.run(_timed_reads(live, 6, retries))
    throttled = [exc for exc in retries if isinstance(exc, ApiStatusError) and exc.status == 429]
    assert throttled
    assert all(exc.retry_after is not None and exc.retry_after >= 1 for exc in throttled)
    assert loop_started >= 1.0  # six reads at 2/s cannot all be done within a second


async def _timed_reads(live: LiveSandbox, count: int, retries: list[BaseException]) -> float:
    import time

    started = time.monotonic()
    options = ConnectOptions(retry=FAST_RETRY, on_retry=lambda e, _: retries.append(e))
    async with connect(config_for(live), options) as client:
        for _ in range(count):
            await client.subscribers()
    return time.monotonic() - started


def test_a_wrong_token_is_a_config_error_that_does_not_echo_it(tmp_path: Path) -> None:
    seeded(tmp_path / "s.db", [])
    with live_sandbox(tmp_path / "s.db") as live, pytest.raises(ConfigError) as caught:
        run(live, lambda c: c.subscribers(), token="wrong-token-abc123")
    assert "refused the token (401)" in caught.value.message
    assert "wrong-token-abc123" not in caught.value.message


def test_connection_refused_is_retried_until_the_operator_timeout(tmp_path: Path) -> None:
    live = LiveSandbox("http://127.0.0.1:9", TOKEN, tmp_path / "none.db")
    retries: list[BaseException] = []
    with pytest.raises(OperatorUnavailable) as caught:
        run(live, lambda c: c.subscribers(), retries=retries, timeout_s=0.5)
    assert isinstance(caught.value.last, ApiTransportError)
    assert "cannot connect" in caught.value.message
    gave_up = "the operator at http://127.0.0.1:9 gave no good answer for 0.5 s"
    assert gave_up in caught.value.message
    assert caught.value.exit_code == 5
    assert len(retries) >= 2  # retried, then given up with the last error


def test_a_retry_after_longer_than_the_budget_ends_the_retries_at_once() -> None:
    from quotabulk.operator.budget import OperatorBudget
    from quotabulk.operator.retry import with_retries

    calls = 0

    async def throttled() -> None:
        nonlocal calls
        calls += 1
        error = Throttled(429, "rate_limited", "slow down")
        error.retry_after = 3600.0
        raise error

    clock = [0.0]
    budget = OperatorBudget(120.0, clock=lambda: clock[0])
    with pytest.raises(OperatorUnavailable, match="slow down"):
        asyncio.run(with_retries(throttled, FAST_RETRY, budget, "https://op.example"))
    assert calls == 1  # no hour of sleeping: the first answer already asks too much


def test_the_budget_counts_from_the_last_good_answer() -> None:
    from quotabulk.operator.budget import OperatorBudget

    clock = [0.0]
    budget = OperatorBudget(120.0, clock=lambda: clock[0])
    clock[0] = 100.0
    assert budget.remaining() == 20.0
    budget.good()
    clock[0] = 150.0
    assert budget.remaining() == 70.0


def _all_httpx_errors() -> list[type[Exception]]:
    return [
        cls
        for _, cls in inspect.getmembers(httpx, inspect.isclass)
        if issubclass(cls, Exception) and cls.__module__.startswith("httpx")
    ]


@pytest.mark.parametrize("error", _all_httpx_errors(), ids=lambda c: c.__name__)
def test_every_httpx_exception_is_mapped_or_deliberately_a_bug(error: type[Exception]) -> None:
    if not issubclass(error, HTTPX_ERRORS):
        # Reading a body twice or calling raise_for_status are programming errors: exit 70.
        assert issubclass(error, httpx.StreamError | httpx.HTTPStatusError)
        return
    request = httpx.Request("GET", "http://x")
    if error is httpx.HTTPStatusError:
        instance: Exception = error("boom", request=request, response=httpx.Response(500))  # type: ignore[call-arg]
    else:
        try:
            instance = error("boom", request=request)  # type: ignore[call-arg]
        except TypeError:
            instance = error("boom")
    mapped = translate_httpx_error(instance)  # type: ignore[arg-type]
    assert isinstance(mapped, ApiError)
    assert mapped.message.startswith(("the ", "cannot connect"))


def test_transient_errors_are_the_retryable_ones() -> None:
    assert OperatorFault(503, "x", "y").retryable
    assert Throttled(429, "x", "y").retryable
    assert not RequestInFlight(409, "x", "y").retryable
    assert not Rejected(401, "x", "y").retryable
    assert ApiTransportError("x").retryable
    assert not ApiError("x").retryable


def test_embedded_sandbox_without_account_explains_how_to_seed(tmp_path: Path) -> None:
    from pydantic import SecretStr

    from quotabulk.config import EMBEDDED_TOKEN

    settings = Settings(None, SecretStr(EMBEDDED_TOKEN), None, tmp_path)

    async def session() -> None:
        async with Workspace(settings).operator("ACC-100200") as client:
            await client.subscribers()

    with pytest.raises(ConfigError, match="sandbox seed"):
        asyncio.run(session())


def test_behaviour_is_repeatable_with_a_seed(tmp_path: Path) -> None:
    assert random_subscribers(50, 0.5, 0.2, seed=5) == random_subscribers(50, 0.5, 0.2, seed=5)
    assert Behaviour(seed=1) == Behaviour(seed=1)


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (412, "version_mismatch", StaleVersion),
        (409, "request_in_flight", RequestInFlight),
        (409, "idempotency_conflict", Rejected),
        (429, "rate_limited", Throttled),
        (503, "unavailable", OperatorFault),
        (500, "http_error", OperatorFault),
        (404, "subscriber_not_found", Rejected),
    ],
)
def test_the_dialect_answers_in_domain_terms(
    status: int, code: str, kind: type[ApiStatusError]
) -> None:
    """The one seam where this dialect's status codes mean something: the engine sees
    only the domain's classes."""
    from quotabulk.operator.http.errors import status_error

    answer = httpx.Response(status, json={"code": code, "message": "words"})
    error = status_error(answer)
    assert type(error) is kind
    assert error.code == code
    assert error.retryable is (kind in (Throttled, OperatorFault))

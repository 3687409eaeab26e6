"""The pages SQLite writes as JSON say what the store's rows say, page by page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quotabulk.operator.http.wire import SubscriberList, SubscriberPage
from quotabulk.sandbox.seed import random_subscribers
from quotabulk.sandbox.store import SandboxStore

ACC = "ACC-JSON"


@pytest.fixture
def store(tmp_path: Path) -> SandboxStore:
    store = SandboxStore(tmp_path / "sandbox.db")
    store.reset_account(ACC, random_subscribers(523, 0.6, 0.2, seed=9))
    return store


@pytest.mark.parametrize("page_size", [1, 50, 523, 10_000])
def test_pages_walked_by_cursor_are_the_rows_in_order(store: SandboxStore, page_size: int) -> None:
    expected, _ = store.list_subscribers(ACC, None, 100_000)
    walked: list[dict[str, object]] = []
    cursor = None
    for _ in range(600):
        page = json.loads(store.subscriber_page_json(ACC, cursor, page_size))
        SubscriberPage.model_validate(page)  # the contract's own model
        walked.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == expected
    assert any(item["quota"] is None for item in walked)
    assert any(item["status"] == "blocked" for item in walked)


def test_a_query_answers_the_named_subscribers_only(store: SandboxStore) -> None:
    rows, _ = store.list_subscribers(ACC, None, 100_000)
    wanted = [rows[3]["msisdn"], rows[100]["msisdn"], "79999999999"]
    body = json.loads(store.subscribers_of_json(ACC, wanted))
    SubscriberList.model_validate(body)
    assert body["items"] == [rows[3], rows[100]]

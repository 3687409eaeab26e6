"""Run a coroutine against the configured operator, telling the user where it goes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from quotabulk.config import Settings
from quotabulk.domain.models import Subscriber
from quotabulk.operator.connect import connect, target_notice
from quotabulk.operator.http.client import OperatorClient
from quotabulk.operator.http.retry import RetryPolicy

T = TypeVar("T")
# Reads that a person waits for: retry transient faults for a minute, not five.
READ_RETRY = RetryPolicy(deadline_s=60.0, attempts=8)


def with_operator(
    settings: Settings, account: str | None, work: Callable[[OperatorClient], Awaitable[T]]
) -> T:
    """Run `work` with a client; an unknown account is asked of the operator first."""
    notice = target_notice(settings)
    if notice:
        click.echo(notice, err=True)

    async def session() -> T:
        async with connect(settings, account, retry=READ_RETRY) as client:
            return await work(client)

    return asyncio.run(session())


def fetch_current(settings: Settings, account: str | None) -> tuple[str, dict[str, Subscriber]]:
    """The account worked on and its subscribers."""

    async def work(client: OperatorClient) -> tuple[str, dict[str, Subscriber]]:
        return client.account, await client.subscribers()

    return with_operator(settings, account, work)

"""Pick the operator's dialect by configuration and open it.

A dialect is a folder under `operator/` whose `open_*` function yields an `Operator`;
adding one is that folder plus one line in `DIALECTS`. What the dialect talks through
(the network by default; the embedded sandbox's in-process transport, say) is injected
by the caller as `ConnectOptions.transport`: this package knows no fake operator.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from quotabulk.config import ENV_API_DIALECT, Settings
from quotabulk.domain.errors import ConfigError
from quotabulk.operator.budget import DEFAULT_OPERATOR_TIMEOUT_S
from quotabulk.operator.port import Operator

OnRetry = Callable[[BaseException, float], None]

# dialect name → "module:function"; imported only when used.
DIALECTS = {
    "http": "quotabulk.operator.http.connect:open_http",
}


@dataclass(frozen=True)
class ConnectOptions:
    """How to talk: retries, throttling, connection pool, and an injected transport."""

    retry: Any = None  # the dialect's retry policy; its default when None
    on_retry: OnRetry | None = None
    throttle: Callable[[], Awaitable[None]] | None = None
    max_connections: int = 16
    transport: Any = None  # dialect-specific: an httpx transport for `http`
    base_url: str | None = None  # with `transport`: the URL the requests carry
    timeout_s: float = DEFAULT_OPERATOR_TIMEOUT_S  # --operator-timeout


Opener = Callable[[Settings, str | None, ConnectOptions], AbstractAsyncContextManager[Operator]]


def _opener(name: str) -> Opener:
    target = DIALECTS.get(name)
    if target is None:
        raise ConfigError(f"{ENV_API_DIALECT} {name!r} is not known; use one of {sorted(DIALECTS)}")
    module, function = target.split(":")
    opener: Opener = getattr(importlib.import_module(module), function)
    return opener


def load_dialect(settings: Settings) -> None:
    """Import the dialect now, on this thread (see `app.planning.Prefetch`)."""
    _opener(settings.dialect)


@asynccontextmanager
async def connect(
    settings: Settings, account: str | None, options: ConnectOptions | None = None
) -> AsyncIterator[Operator]:
    """An `Operator` for `account` (the token's only account when None)."""
    async with _opener(settings.dialect)(settings, account, options or ConnectOptions()) as op:
        yield op

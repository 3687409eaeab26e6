"""Pick the operator's dialect by configuration and open it.

A dialect is a folder under `operator/` whose `open_*` function yields an `Operator`;
adding one is that folder plus one line in `DIALECTS`. What the dialect talks through
(the network by default; the embedded sandbox's in-process transport, say) is injected
by the caller as `ConnectOptions.transport`: this package knows no fake operator.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from quotabulk.domain.errors import ConfigError
from quotabulk.operator.port import ENV_API_DIALECT, Operator, OperatorConfig

if TYPE_CHECKING:
    import httpx

OnRetry = Callable[[BaseException, float], None]

# dialect name → "module:function"; imported only when used.
DIALECTS = {
    "http": "quotabulk.operator.http.connect:open_http",
    "quotabulk": "quotabulk.operator.http.connect:open_http",  # DESIGN's name for it
    "mts-business": "quotabulk.operator.mts.connect:open_mts",
}


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: the first wait, and the longest."""

    base_s: float = 0.1
    max_wait_s: float = 20.0


@dataclass(frozen=True)
class ConnectOptions:
    """How to talk: retries, the connection pool, and an injected transport."""

    retry: RetryPolicy | None = None  # the default policy when None
    on_retry: OnRetry | None = None
    max_connections: int = 16
    transport: httpx.AsyncBaseTransport | None = None  # the network when None
    base_url: str | None = None  # with `transport`: the URL the requests carry


Opener = Callable[[OperatorConfig, ConnectOptions], AbstractAsyncContextManager[Operator]]


def _opener(name: str) -> Opener:
    target = DIALECTS.get(name)
    if target is None:
        raise ConfigError(f"{ENV_API_DIALECT} {name!r} is not known; use one of {sorted(DIALECTS)}")
    module, function = target.split(":")
    opener: Opener = getattr(importlib.import_module(module), function)
    return opener


def load_dialect(name: str) -> None:
    """Import the dialect now, on this thread (see `app.planning.Prefetch`)."""
    _opener(name)


@asynccontextmanager
async def connect(
    config: OperatorConfig, options: ConnectOptions | None = None
) -> AsyncIterator[Operator]:
    """An `Operator` for `config.account` (the credentials' only account when None)."""
    async with _opener(config.dialect)(config, options or ConnectOptions()) as operator:
        yield operator

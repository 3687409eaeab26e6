"""Open an `OperatorClient` for the configured operator, or for the embedded sandbox."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx

from quotabulk import __version__
from quotabulk.config import ENV_API_URL, Settings
from quotabulk.domain.errors import ApiStatusError, ConfigError
from quotabulk.operator.http.client import OperatorClient
from quotabulk.operator.http.retry import OnRetry, RetryPolicy

TIMEOUT = httpx.Timeout(15.0, connect=5.0)
EMBEDDED_URL = "http://sandbox.invalid"


def _tls(settings: Settings) -> ssl.SSLContext:
    """Certificates are always verified: the system's CAs, plus QUOTABULK_CA_BUNDLE."""
    context = ssl.create_default_context()
    bundle = settings.ca_bundle
    if bundle is not None:
        context.load_verify_locations(cafile=str(bundle))
    return context


def target_notice(settings: Settings) -> str | None:
    """The line commands print on stderr when the target is the embedded sandbox."""
    if not settings.embedded:
        return None
    return (
        f"Target: the local sandbox operator in {settings.sandbox_db} ({ENV_API_URL} is not set)."
    )


@asynccontextmanager
async def connect(
    settings: Settings,
    account: str | None,
    *,
    retry: RetryPolicy | None = None,
    on_retry: OnRetry | None = None,
    throttle: Callable[[], Awaitable[None]] | None = None,
    max_connections: int = 16,
) -> AsyncIterator[OperatorClient]:
    """An `OperatorClient` for `account`; TLS is verified for every https:// URL."""
    assert settings.token is not None
    headers = {
        "Authorization": f"Bearer {settings.token.get_secret_value()}",
        "User-Agent": f"quotabulk/{__version__}",
    }
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    if settings.embedded:
        from quotabulk.sandbox.app import create_app
        from quotabulk.sandbox.store import Behaviour, SandboxStore

        processing = settings.sandbox_processing_ms
        behaviour = Behaviour() if processing is None else Behaviour(processing_ms=processing)
        store = SandboxStore(settings.sandbox_db, behaviour)
        transport: httpx.AsyncBaseTransport = httpx.ASGITransport(
            app=create_app(store, settings.token.get_secret_value())
        )
        base_url = EMBEDDED_URL
    else:
        store = None
        transport = httpx.AsyncHTTPTransport(limits=limits, retries=0, verify=_tls(settings))
        base_url = settings.api_url or ""
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, timeout=TIMEOUT, transport=transport
    ) as http:
        client = OperatorClient(http, account or "", retry, on_retry, throttle)
        try:
            if account is None:
                client.use_account(await _only_account(client))
            yield client
        except ApiStatusError as exc:
            raise _explained(exc, settings, client.account) from None
        finally:
            if store is not None:
                store.close()


async def _only_account(client: OperatorClient) -> str:
    accounts = await client.accounts()
    if len(accounts) == 1:
        return accounts[0]
    listed = ", ".join(accounts) or "none"
    raise ConfigError(f"set QUOTABULK_ACCOUNT: the token may use several accounts ({listed})")


def _explained(exc: ApiStatusError, settings: Settings, account: str) -> Exception:
    if exc.code == "account_not_found" and settings.embedded:
        return ConfigError(
            f"the local sandbox has no account {account}; create it with "
            "`quotabulk sandbox seed --from FILE` or `quotabulk sandbox seed --subscribers N`"
        )
    if exc.status == 401:
        where = "the operator" if settings.embedded else settings.api_url
        return ConfigError(f"{where} refused the token (401); check QUOTABULK_TOKEN")
    if exc.code == "account_not_found":
        return ConfigError(f"the operator has no account {account}; check QUOTABULK_ACCOUNT")
    return exc

"""Open the HTTP dialect: an `OperatorClient` over httpx, TLS always verified."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from quotabulk import __version__
from quotabulk.domain.errors import ApiStatusError, ConfigError
from quotabulk.operator.budget import OperatorBudget
from quotabulk.operator.connect import ConnectOptions
from quotabulk.operator.http.client import OperatorClient
from quotabulk.operator.port import ENV_ACCOUNT, ENV_TOKEN, OperatorConfig

TIMEOUT = httpx.Timeout(15.0, connect=5.0)


def tls_context(config: OperatorConfig) -> ssl.SSLContext:
    """Certificates are always verified: the system's CAs, plus QUOTABULK_CA_BUNDLE.

    Loading the system's CAs takes ~50 ms, so an `http://` operator (the sandbox on
    loopback) gets a context without any: it still verifies, so it trusts no TLS peer."""
    if not (config.api_url or "").lower().startswith("https:"):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context = ssl.create_default_context()
    bundle = config.ca_bundle
    if bundle is not None:
        context.load_verify_locations(cafile=str(bundle))
    return context


def network_transport(config: OperatorConfig, options: ConnectOptions) -> httpx.AsyncBaseTransport:
    """httpx's own transport: a pool of `max_connections`, no retries of its own (ours
    know what may be sent again), TLS verified."""
    limits = httpx.Limits(
        max_connections=options.max_connections,
        max_keepalive_connections=options.max_connections,
    )
    return httpx.AsyncHTTPTransport(limits=limits, retries=0, verify=tls_context(config))


@asynccontextmanager
async def open_http(
    config: OperatorConfig, options: ConnectOptions
) -> AsyncIterator[OperatorClient]:
    """An `OperatorClient` for `config.account`; the only account of the token when None."""
    assert config.token is not None
    account = config.account
    headers = {
        "Authorization": f"Bearer {config.token.get_secret_value()}",
        "User-Agent": f"quotabulk/{__version__}",
    }
    transport = options.transport or network_transport(config, options)
    base_url = options.base_url or config.api_url or ""
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, timeout=TIMEOUT, transport=transport
    ) as http:
        client = OperatorClient(
            http,
            account or "",
            options.retry,
            options.on_retry,
            url=config.shown_url,
            budget=OperatorBudget(config.timeout_s),
        )
        try:
            if account is None:
                client.use_account(await _only_account(client))
            yield client
        except ApiStatusError as exc:
            raise _explained(exc, config, client.account) from None


async def _only_account(client: OperatorClient) -> str:
    accounts = await client.accounts()
    if len(accounts) == 1:
        return accounts[0]
    listed = ", ".join(accounts) or "none"
    raise ConfigError(f"set {ENV_ACCOUNT}: the token may use several accounts ({listed})")


def _explained(exc: ApiStatusError, config: OperatorConfig, account: str) -> Exception:
    if exc.status == 401:
        return ConfigError(
            f"the operator at {config.shown_url} refused the token (401); check {ENV_TOKEN}"
        )
    if exc.code == "account_not_found":
        return ConfigError(
            f"the operator at {config.shown_url} has no account {account} this token may use;"
            f" check {ENV_ACCOUNT} or the inputs' account column"
        )
    return exc

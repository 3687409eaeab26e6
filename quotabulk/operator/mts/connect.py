"""Open the `mts-business` dialect: client credentials, the account, the two rules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from quotabulk import __version__
from quotabulk.domain import messages as said
from quotabulk.domain.errors import ApiStatusError, ConfigError
from quotabulk.domain.models import OnExceed
from quotabulk.operator.budget import OperatorBudget
from quotabulk.operator.connect import ConnectOptions
from quotabulk.operator.http.connect import TIMEOUT, network_transport
from quotabulk.operator.mts import (
    ENV_CLIENT_ID,
    ENV_CLIENT_SECRET,
    ENV_RULE_BLOCK,
    ENV_RULE_PERSONAL,
)
from quotabulk.operator.mts.client import MtsClient
from quotabulk.operator.mts.tokens import TokenRefused, Tokens
from quotabulk.operator.mts.wire import OfferedRule, RuleRef
from quotabulk.operator.port import ENV_ACCOUNT, OperatorConfig

RULE_VARIABLES = {OnExceed.BLOCK: ENV_RULE_BLOCK, OnExceed.PERSONAL: ENV_RULE_PERSONAL}


@asynccontextmanager
async def open_mts(config: OperatorConfig, options: ConnectOptions) -> AsyncIterator[MtsClient]:
    """An `MtsClient` for `config.account`, its rules checked against the account's
    catalogue (one call) before anything else is asked."""
    if config.account is None:
        raise ConfigError(f"set {ENV_ACCOUNT}: this operator does not list a client's accounts")
    if config.token is None or not config.client_id:
        raise ConfigError(
            f"set {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET}: this operator signs in with client "
            "credentials"
        )
    transport = options.transport or network_transport(config, options)
    async with httpx.AsyncClient(
        base_url=options.base_url or config.api_url or "",
        headers={"User-Agent": f"quotabulk/{__version__}"},
        timeout=TIMEOUT,
        transport=transport,
    ) as http:
        tokens = Tokens(http, config.client_id, config.token.get_secret_value())
        client = MtsClient(
            http,
            tokens,
            config.account,
            {},
            retry=options.retry,
            on_retry=options.on_retry,
            url=config.shown_url,
            budget=OperatorBudget(config.timeout_s),
        )
        try:
            client.use_rules(_chosen(config, await client.catalogue()))
        except TokenRefused:
            raise ConfigError(
                f"the operator at {config.shown_url} refused the client credentials; check "
                f"{ENV_CLIENT_ID} and {ENV_CLIENT_SECRET}"
            ) from None
        except ApiStatusError as exc:
            if exc.status in (401, 403):
                raise ConfigError(
                    f"the operator at {config.shown_url} refused account {config.account} "
                    f"({exc.status} {exc.code}: {exc.detail}); check {ENV_ACCOUNT} and the "
                    "client's API subscription"
                ) from None
            raise
        yield client


def _chosen(config: OperatorConfig, offered: list[OfferedRule]) -> dict[OnExceed, RuleRef]:
    """The configured rule of each kind, each one the account offers."""
    listed = ", ".join(f"{rule.ref} («{rule.title}»)" for rule in offered) or "none"
    chosen = {}
    for kind, variable in RULE_VARIABLES.items():
        text = config.rules.get(kind.value, "")
        ref = RuleRef.parse(text)
        if ref is None:
            raise ConfigError(said.MTS_RULES_NEEDED(variable=variable, available=listed))
        if all(rule.ref != ref for rule in offered):
            raise ConfigError(
                said.MTS_RULE_UNKNOWN(variable=variable, value=text, available=listed)
            )
        chosen[kind] = ref
    return chosen

"""OAuth2 client credentials for `mts-business`: a bearer token fetched with HTTP Basic,
renewed before it expires, and once more when the operator calls it expired."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx

from quotabulk import redaction
from quotabulk.domain.errors import ApiError, ApiTransportError
from quotabulk.operator.http.errors import HTTPX_ERRORS, translate_httpx_error

TOKEN_PATH = "/token"  # noqa: S105 - a path, not a secret
# Renewed this long before it expires (a tenth of its life when that is shorter).
RENEW_AHEAD_S = 60.0


class TokenRefused(ApiError):
    """The operator refused the client credentials."""


class Tokens:
    def __init__(
        self,
        http: httpx.AsyncClient,
        client_id: str,
        secret: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._auth = (client_id, secret)
        self._clock = clock
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock = asyncio.Lock()

    async def bearer(self) -> str:
        """A token valid for a while yet."""
        async with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                await self._fetch()
            assert self._token is not None
            return self._token

    def expired(self, token: str) -> None:
        """The operator called `token` expired or invalid: the next call fetches anew."""
        if token == self._token:
            self._token = None

    async def _fetch(self) -> None:
        try:
            response = await self._http.post(
                TOKEN_PATH, auth=self._auth, data={"grant_type": "client_credentials"}
            )
        except HTTPX_ERRORS as exc:
            raise translate_httpx_error(exc) from None
        if response.status_code in (400, 401, 403):
            raise TokenRefused(
                f"the operator refused the client credentials ({response.status_code})"
            )
        if not response.is_success:
            raise ApiTransportError(f"the token call failed ({response.status_code})")
        try:
            body = response.json()
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise ApiTransportError("the operator's token answer is not understood") from None
        redaction.register(token)
        self._token = token
        self._renew_at = self._clock() + lifetime - min(RENEW_AHEAD_S, lifetime / 10)

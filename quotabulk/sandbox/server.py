"""Serve the sandbox operator over HTTP with uvicorn (`quotabulk sandbox serve`)."""

from __future__ import annotations

import logging
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from quotabulk.sandbox.app import create_app
from quotabulk.sandbox.faults import FaultInjector, Faults, QuietLostResponses
from quotabulk.sandbox.mts.app import Client, create_mts_app
from quotabulk.sandbox.mts.store import MtsStore
from quotabulk.sandbox.store import Behaviour, SandboxStore

MTS = "mts-business"


def build_app(
    db: Path,
    token: str,
    behaviour: Behaviour,
    faults: Faults,
    client_id: str = "",
    token_ttl_s: float = 3600,
    accounts: frozenset[str] | None = None,
) -> ASGIApp:
    """The API of `faults.dialect` over `db`; for `mts-business`, `client_id` with the
    secret `token` is the one client, its tokens living `token_ttl_s`. `accounts`: the
    only accounts the token (or client) may use; None: all."""
    app: ASGIApp
    if faults.dialect == MTS:
        store = MtsStore(db, behaviour)
        app = create_mts_app(store, Client(client_id, token, accounts), token_ttl_s)
    else:
        app = create_app(SandboxStore(db, behaviour), token, accounts)
    return FaultInjector(app, faults) if faults.any else app


def serve(app: ASGIApp, host: str, port: int) -> None:
    """Run until interrupted. Access logs are off: a soak test makes tens of thousands."""
    logging.getLogger("uvicorn.error").addFilter(QuietLostResponses())
    config = uvicorn.Config(app, host=host, port=port, access_log=False, log_level="warning")
    uvicorn.Server(config).run()

"""Serve the sandbox operator over HTTP with uvicorn (`quotabulk sandbox serve`)."""

from __future__ import annotations

import logging
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from quotabulk.sandbox.app import create_app
from quotabulk.sandbox.faults import FaultInjector, Faults, QuietLostResponses
from quotabulk.sandbox.store import Behaviour, SandboxStore


def build_app(db: Path, token: str, behaviour: Behaviour, faults: Faults) -> ASGIApp:
    app: ASGIApp = create_app(SandboxStore(db, behaviour), token)
    return FaultInjector(app, faults) if faults.any else app


def serve(app: ASGIApp, host: str, port: int) -> None:
    """Run until interrupted. Access logs are off: a soak test makes tens of thousands."""
    logging.getLogger("uvicorn.error").addFilter(QuietLostResponses())
    config = uvicorn.Config(app, host=host, port=port, access_log=False, log_level="warning")
    uvicorn.Server(config).run()

"""Use cases of the built-in operator sandbox: seed an account, serve the API."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from quotabulk.app.planning import validate
from quotabulk.config import SANDBOX_ACCOUNT, Settings
from quotabulk.domain.models import DesiredRow, Subscriber
from quotabulk.domain.state import state_from_rows
from quotabulk.operator import mts
from quotabulk.sandbox.mts.app import DEFAULT_TOKEN_TTL_S
from quotabulk.sandbox.mts.store import MtsStore
from quotabulk.sandbox.seed import random_subscribers, seed_account
from quotabulk.sandbox.store import DEFAULT_PROCESSING_MS, Behaviour, SandboxStore

__all__ = ["DEFAULT_PROCESSING_MS", "SandboxFaults", "seed_sandbox", "serve_sandbox"]


def seed_sandbox(
    settings: Settings,
    db: Path | None,
    *,
    from_file: Path | None = None,
    subscribers: int = 0,
    with_quotas: float = 0.5,
    blocked: float = 0.0,
    seed: int | None = None,
) -> tuple[str, Path]:
    """(Re)create accounts of the sandbox: from a desired-state file, every account its
    rows name (rows naming none: the configured account) with every msisdn a subscriber,
    deletions without a quota; or one account of random subscribers. What was seeded, in
    words, and where."""
    default = settings.resolve_account() or SANDBOX_ACCOUNT
    accounts: dict[str, list[Subscriber]] = {}
    if from_file is not None:
        rows: dict[str, list[DesiredRow]] = {}
        for row in validate([from_file]).rows:
            rows.setdefault(row.account or default, []).append(row)
        accounts = {account: list(state_from_rows(own).values()) for account, own in rows.items()}
    else:
        accounts[default] = random_subscribers(subscribers, with_quotas, blocked, seed)
    path = db or settings.sandbox_db
    said: list[str] = []
    for account, people in sorted(accounts.items()):
        store = SandboxStore(path)
        try:
            said.append(seed_account(store, account, people).describe())
        finally:
            store.close()
        # The MTS-shaped sandbox holds the same account as rules (thresholds dropped).
        rules = MtsStore(path)
        try:
            rules.reset_account(account, people)
        finally:
            rules.close()
    return "; ".join(said), path


@dataclass(frozen=True)
class SandboxFaults:
    """The fault knobs of `sandbox serve`."""

    latency_ms: int = 0
    processing_ms: int = DEFAULT_PROCESSING_MS
    rate_limit: float = 0.0
    error_rate: float = 0.0
    throttle_rate: float = 0.0
    lost_response_rate: float = 0.0
    reject_rate: float = 0.0
    seed: int | None = None
    dialect: str = "http"
    per_minute: int = 0
    token_ttl_s: float = DEFAULT_TOKEN_TTL_S
    lost_request_rate: float = 0.0
    # The only accounts the token may use (a token without access to one: "no access").
    accounts: frozenset[str] | None = None


def serve_sandbox(db: Path, token: str, host: str, port: int, knobs: SandboxFaults) -> None:
    """Serve the operator API over HTTP until Ctrl-C."""
    from quotabulk.sandbox.faults import Faults
    from quotabulk.sandbox.server import build_app, serve

    faults = Faults(
        knobs.latency_ms,
        knobs.rate_limit,
        knobs.error_rate,
        knobs.throttle_rate,
        knobs.lost_response_rate,
        knobs.seed,
        knobs.per_minute,
        knobs.dialect,
        knobs.lost_request_rate,
    )
    behaviour = Behaviour(knobs.processing_ms, knobs.reject_rate, knobs.seed)
    client_id = mts.SANDBOX_CLIENT_ID
    app = build_app(db, token, behaviour, faults, client_id, knobs.token_ttl_s, knobs.accounts)
    serve(app, host, port)

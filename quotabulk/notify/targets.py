"""Where notifications go, checked before a run starts: `mailto:` addresses and webhook
URLs (`https`, or `http` on loopback only), and the SMTP server (`smtp://` with STARTTLS,
`smtps://`; plain SMTP only on loopback)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote, urlsplit

from quotabulk.domain import messages as said
from quotabulk.domain.errors import ConfigError

# An address as people write them; the mail server has the last word.
_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
SMTP_PORTS = {"smtp": 587, "smtps": 465}


class TargetKind(StrEnum):
    MAIL = "mail"
    WEBHOOK = "webhook"


@dataclass(frozen=True)
class Target:
    """One place a notification goes: a mail address or a webhook URL."""

    kind: TargetKind
    address: str

    def __str__(self) -> str:  # as the user wrote it, for messages (a webhook's path hidden)
        if self.kind is TargetKind.MAIL:
            return f"mailto:{self.address}"
        parts = urlsplit(self.address)
        return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}/…"


@dataclass(frozen=True)
class MailServer:
    """`QUOTABULK_SMTP_URL`: how to reach the mail server. `password` (from
    `QUOTABULK_SMTP_PASSWORD_FILE`) never shows in a repr."""

    scheme: str  # smtp (STARTTLS; plain only on loopback) or smtps
    host: str
    port: int
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


@dataclass(frozen=True)
class NotifyConfig:
    """Everything notifications need from the configuration."""

    targets: tuple[Target, ...] = ()
    server: MailServer | None = None
    sender: str | None = None
    timeout_s: float = 30.0
    attempts: int = 3
    ca_bundle: Path | None = None  # `QUOTABULK_CA_BUNDLE`: a mail server behind a private CA


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_targets(texts: list[str], variable: str) -> tuple[Target, ...]:
    """`mailto:finance@corp.example`, `https://chat.example/hooks/…` (comma-separated in
    the variable, repeatable as a flag); anything else is a `ConfigError`."""
    found: list[Target] = []
    for text in (part.strip() for chunk in texts for part in chunk.split(",")):
        if not text:
            continue
        found.append(_target(text, variable))
    return tuple(dict.fromkeys(found))


def _target(text: str, variable: str) -> Target:
    if text.lower().startswith("mailto:"):
        address = unquote(text[len("mailto:") :]).strip()
        if not _ADDRESS.fullmatch(address):
            raise ConfigError(said.NOTIFY_BAD_ADDRESS(target=text, variable=variable))
        return Target(TargetKind.MAIL, address)
    parts = urlsplit(text)
    if parts.scheme == "https" and parts.hostname:
        return Target(TargetKind.WEBHOOK, text)
    if parts.scheme == "http" and is_loopback(parts.hostname):
        return Target(TargetKind.WEBHOOK, text)
    if parts.scheme == "http" and parts.hostname:
        raise ConfigError(said.NOTIFY_PLAIN_WEBHOOK(host=parts.hostname))
    raise ConfigError(said.NOTIFY_BAD_TARGET(target=text, variable=variable))


def parse_smtp_url(text: str, variable: str, password: str | None) -> MailServer:
    """`smtp://[user@]host[:587]` (STARTTLS; plain only on loopback), `smtps://host[:465]`."""
    parts = urlsplit(text)
    if parts.scheme not in SMTP_PORTS or not parts.hostname:
        raise ConfigError(said.NOTIFY_BAD_SMTP(variable=variable))
    if parts.password:
        raise ConfigError(said.NOTIFY_SMTP_PASSWORD_IN_URL(variable=variable))
    try:
        port = parts.port or SMTP_PORTS[parts.scheme]
    except ValueError:
        raise ConfigError(said.NOTIFY_BAD_SMTP(variable=variable)) from None
    user = unquote(parts.username) if parts.username else None
    return MailServer(parts.scheme, parts.hostname, port, user, password)

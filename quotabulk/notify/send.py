"""The two ways out: a mail over SMTP (`smtplib`) and a JSON POST (httpx), each with a
timeout and a few tries. A failure is a `SendFailed` naming why; the caller decides what
it means (never anything about the run)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from quotabulk.notify.targets import MailServer, NotifyConfig


class SendFailed(Exception):
    """A notification that could not be sent, and why (no secret in it)."""


class _Again(Exception):
    """A failure worth another try: the server is away or busy for now."""


def _tries(config: NotifyConfig) -> Retrying:
    return Retrying(
        stop=stop_after_attempt(max(1, config.attempts)),
        wait=wait_exponential(multiplier=0.5, max=5),
        retry=retry_if_exception(lambda exc: isinstance(exc, _Again)),
        reraise=True,
    )


def _context(ca_bundle: Path | None) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca_bundle) if ca_bundle else None)


def send_mail(message: EmailMessage, config: NotifyConfig) -> None:
    """Send over `config.server`: STARTTLS on `smtp://` (required unless the server is on
    loopback), TLS from the start on `smtps://`, a login when the URL names a user."""
    server = config.server
    if server is None:
        raise SendFailed("no mail server: set QUOTABULK_SMTP_URL")
    try:
        for attempt in _tries(config):
            with attempt:
                _send_once(message, server, config.timeout_s, _context(config.ca_bundle))
    except _Again as exc:
        raise SendFailed(f"{server}: {exc}") from None


def _send_once(
    message: EmailMessage, server: MailServer, timeout_s: float, context: ssl.SSLContext
) -> None:
    try:
        client = (
            smtplib.SMTP_SSL(server.host, server.port, timeout=timeout_s, context=context)
            if server.scheme == "smtps"
            else smtplib.SMTP(server.host, server.port, timeout=timeout_s)
        )
        with client:
            client.ehlo()
            if server.scheme == "smtp" and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            elif server.scheme == "smtp" and not server.loopback:
                raise SendFailed(f"{server} offers no STARTTLS; mail is never sent in clear")
            if server.user:
                client.login(server.user, server.password or "")
            client.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise SendFailed(f"{server} refused the login of {server.user} ({exc.smtp_code})") from None
    except smtplib.SMTPResponseException as exc:
        why = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        if 400 <= exc.smtp_code < 500:
            raise _Again(why) from None
        raise SendFailed(f"{server}: {why}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise SendFailed(f"{server} refused {', '.join(exc.recipients)}") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise _Again(type(exc).__name__ + (f": {exc}" if str(exc) else "")) from None


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def post_json(url: str, body: dict[str, Any], config: NotifyConfig) -> None:
    """POST `body` as JSON; a 2xx is done, 429 and 5xx and a dropped connection are tried
    again, anything else is refused."""
    import httpx

    try:
        with httpx.Client(timeout=config.timeout_s, verify=_context(config.ca_bundle)) as client:
            for attempt in _tries(config):
                with attempt:
                    try:
                        answer = client.post(url, json=body)
                    except httpx.HTTPError as exc:
                        raise _Again(type(exc).__name__) from None
                    if answer.status_code == 429 or answer.status_code >= 500:
                        raise _Again(f"HTTP {answer.status_code}")
                    if answer.status_code >= 300:
                        raise SendFailed(f"HTTP {answer.status_code}")
    except _Again as exc:
        raise SendFailed(str(exc)) from None

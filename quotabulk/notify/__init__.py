"""Telling people what a run did: where to (mail addresses and webhooks), the mail
server, and the two ways out — SMTP and an HTTP POST. What the messages say is
`quotabulk.formats.notice`'s; when to send them is `quotabulk.app.notifying`'s."""

from __future__ import annotations

from quotabulk.notify.targets import MailServer, NotifyConfig, Target, parse_smtp_url, parse_targets

__all__ = ["MailServer", "NotifyConfig", "Target", "parse_smtp_url", "parse_targets"]

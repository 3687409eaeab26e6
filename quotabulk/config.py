"""Settings from flags, then environment variables, then defaults. The only module that
reads the environment (the README's "Configuration" table lists every variable)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from quotabulk import redaction
from quotabulk.domain import messages as said
from quotabulk.domain.errors import ConfigError
from quotabulk.domain.language import DEFAULT_LANGUAGE, Language
from quotabulk.i18n import language_from
from quotabulk.operator import mts
from quotabulk.operator.port import (
    DEFAULT_OPERATOR_TIMEOUT_S,
    ENV_ACCOUNT,
    ENV_API_DIALECT,
    ENV_TOKEN,
    OperatorConfig,
)

# The names others take from here though they are the port's: the operator's variables.
__all__ = [
    "ENV_ACCOUNT",
    "ENV_API_DIALECT",
    "ENV_TOKEN",
    "Settings",
    "load_settings",
]

if TYPE_CHECKING:  # pydantic costs 0.1 s to import: `validate` never needs a token
    from pydantic import SecretStr

    from quotabulk.notify import NotifyConfig

ENV_API_URL = "QUOTABULK_API_URL"
ENV_TOKEN_FILE = "QUOTABULK_TOKEN_FILE"  # noqa: S105
ENV_HOME = "QUOTABULK_HOME"
ENV_SANDBOX_PROCESSING_MS = "QUOTABULK_SANDBOX_PROCESSING_MS"
ENV_CA_BUNDLE = "QUOTABULK_CA_BUNDLE"
ENV_OPERATOR_TIMEOUT = "QUOTABULK_OPERATOR_TIMEOUT"
ENV_LANG = "QUOTABULK_LANG"
ENV_CONSOLE_PASSWORD_HASH = "QUOTABULK_CONSOLE_PASSWORD_HASH"  # noqa: S105 - a variable's name
ENV_CONSOLE_SECRET = "QUOTABULK_CONSOLE_SECRET"  # noqa: S105
ENV_NOTIFY = "QUOTABULK_NOTIFY"
ENV_SMTP_URL = "QUOTABULK_SMTP_URL"
ENV_SMTP_PASSWORD_FILE = "QUOTABULK_SMTP_PASSWORD_FILE"  # noqa: S105 - a variable's name
ENV_MAIL_FROM = "QUOTABULK_MAIL_FROM"
DEFAULT_HOME = ".quotabulk"
SANDBOX_ACCOUNT = "ACC-100200"
# The embedded sandbox only ever talks to this process; its token guards nothing secret.
EMBEDDED_TOKEN = "embedded-sandbox"  # noqa: S105


@dataclass(frozen=True)
class Settings:
    """Where the operator is and who we are there. The token is a `SecretStr`: its repr,
    str and any log line show `**********`."""

    api_url: str | None
    token: SecretStr | None
    account: str | None
    home: Path
    dialect: str = "http"
    operator_timeout_s: float = DEFAULT_OPERATOR_TIMEOUT_S
    language: Language = DEFAULT_LANGUAGE  # of the .xlsx and .csv reports
    client_id: str | None = None  # OAuth2 dialects: the secret is `token`
    rules: tuple[tuple[str, str], ...] = ()  # mts-business: on_exceed → CODE:VERSION

    @property
    def embedded(self) -> bool:
        return self.api_url is None

    @property
    def sandbox_db(self) -> Path:
        return self.home / "sandbox.db"

    @property
    def journal_path(self) -> Path:
        return self.home / "journal.db"

    @property
    def operator_url(self) -> str:
        """Where the operator is, without credentials; the embedded sandbox by its file.
        Shown in messages and reports, and part of a run's identity."""
        if self.api_url is None:
            return f"sandbox:{self.sandbox_db.resolve()}"
        return safe_url(self.api_url)

    @property
    def ca_bundle(self) -> Path | None:
        """Extra trusted CA certificates for an operator behind a private CA. There is no
        way to switch TLS verification off."""
        value = os.environ.get(ENV_CA_BUNDLE)
        if not value:
            return None
        path = Path(value)
        if not path.is_file():
            raise ConfigError(said.CA_NOT_A_FILE(variable=ENV_CA_BUNDLE, value=value))
        return path

    @property
    def sandbox_processing_ms(self) -> int | None:
        """How long the embedded sandbox takes per request (its default when unset)."""
        value = os.environ.get(ENV_SANDBOX_PROCESSING_MS)
        if not value:
            return None
        if not value.isdigit():
            raise ConfigError(said.NOT_WHOLE_MS(variable=ENV_SANDBOX_PROCESSING_MS))
        return int(value)

    def operator_config(self, account: str | None) -> OperatorConfig:
        """What the operator's dialect is opened with: never the whole settings."""
        return OperatorConfig(
            self.dialect,
            self.api_url,
            self.operator_url,
            self.token,
            account,
            self.operator_timeout_s,
            self.ca_bundle,
            self.client_id,
            dict(self.rules),
        )

    def resolve_account(self) -> str | None:
        """The configured account (`QUOTABULK_ACCOUNT`; the embedded sandbox's when none):
        the account of input rows that name none. None when only the operator can tell
        (it lists the accounts a token may use)."""
        account = self.account
        if account:
            return account
        return SANDBOX_ACCOUNT if self.embedded else None


def safe_url(url: str) -> str:
    """The URL without any user:password part, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def home_folder() -> Path:
    """`$QUOTABULK_HOME`, or `./.quotabulk`: read without validating anything else, so
    even a failure in configuration can leave its log there."""
    return Path(os.environ.get(ENV_HOME) or DEFAULT_HOME)


def sandbox_token() -> str | None:
    """The token `sandbox serve` requires when `--token` is not given."""
    return os.environ.get(ENV_TOKEN) or None


def console_secrets() -> tuple[str | None, str | None]:
    """The console's password hash and session key, when configured."""
    env = os.environ
    return env.get(ENV_CONSOLE_PASSWORD_HASH) or None, env.get(ENV_CONSOLE_SECRET) or None


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(ms|[smhd]?)$")


def parse_duration(text: str, what: str) -> float:
    """`90`, `90s`, `2m`, `1h`, `30d`, `500ms` → seconds; `ConfigError` naming `what`
    otherwise."""
    match = _DURATION.match(text.strip())
    if not match:
        raise ConfigError(said.NOT_A_DURATION(what=what, text=text))
    factor = {"": 1.0, "s": 1.0, "ms": 0.001, "m": 60.0, "h": 3600.0, "d": 86400.0}[match[2]]
    return float(match[1]) * factor


def load_settings(
    api_url: str | None = None, account: str | None = None, operator_timeout: str | None = None
) -> Settings:
    """Settings from the arguments, then the environment (`QUOTABULK_*`), then defaults."""
    env = os.environ
    url = api_url or env.get(ENV_API_URL) or None
    if url is not None and not url.startswith(("http://", "https://")):
        raise ConfigError(said.BAD_API_URL(variable=ENV_API_URL, url=repr(url)))
    dialect = env.get(ENV_API_DIALECT) or "http"
    if dialect == mts.DIALECT:
        secret, client_id, rules = _client_credentials(url), _client_id(url), _mts_rules(url)
    else:
        secret, client_id, rules = _token(url), None, ()
    return Settings(
        url.rstrip("/") if url else None,
        secret,
        account or env.get(ENV_ACCOUNT) or None,
        home_folder(),
        dialect,
        _operator_timeout(operator_timeout),
        report_language(),
        client_id,
        rules,
    )


def _client_id(url: str | None) -> str | None:
    return os.environ.get(mts.ENV_CLIENT_ID) or (mts.SANDBOX_CLIENT_ID if url is None else None)


def _mts_rules(url: str | None) -> tuple[tuple[str, str], ...]:
    """The rule of each kind of quota; the embedded sandbox's own when no URL is set."""
    found = []
    for kind, variable in (("block", mts.ENV_RULE_BLOCK), ("personal", mts.ENV_RULE_PERSONAL)):
        value = os.environ.get(variable) or (mts.SANDBOX_RULES[kind] if url is None else "")
        found.append((kind, value))
    return tuple(found)


def _client_credentials(url: str | None) -> SecretStr | None:
    """The OAuth2 client secret, from the variable or its file (the embedded sandbox's
    own when no URL is set)."""
    return _secret(url, mts.ENV_CLIENT_SECRET, mts.ENV_CLIENT_SECRET_FILE)


def report_language() -> Language:
    """`QUOTABULK_LANG`, else the locale's language when quotabulk has it, else Russian:
    the one rule of the command line, the reports and the console."""
    text = os.environ.get(ENV_LANG)
    try:
        return language_from(text)
    except ValueError:
        choices = said.EITHER(first=Language.RU.value, second=Language.EN.value)
        raise ConfigError(
            said.BAD_LANG(variable=ENV_LANG, choices=choices, text=repr(text))
        ) from None


def _operator_timeout(flag: str | None) -> float:
    """The flag, else the variable, else the default; 0 is refused from either alike."""
    if flag:
        return positive_duration(flag, "--operator-timeout")
    text = os.environ.get(ENV_OPERATOR_TIMEOUT)
    if not text:
        return DEFAULT_OPERATOR_TIMEOUT_S
    return positive_duration(text, ENV_OPERATOR_TIMEOUT)


def positive_duration(text: str, what: str) -> float:
    """`parse_duration`, and more than nothing."""
    seconds = parse_duration(text, what)
    if seconds <= 0:
        raise ConfigError(said.NOT_POSITIVE(what=what, text=repr(text)))
    return seconds


def _token(url: str | None) -> SecretStr | None:
    return _secret(url, ENV_TOKEN, ENV_TOKEN_FILE)


def _read_secret_file(variable: str, path: str) -> str:
    """A secret kept in a file (a token, a password): its text, stripped."""
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        unreadable = said.TOKEN_UNREADABLE(variable=variable, path=path, detail=str(exc.strerror))
        raise ConfigError(unreadable) from None


def _secret(url: str | None, variable: str, file_variable: str) -> SecretStr | None:
    """A secret from `variable` or the file `file_variable` names; never both."""
    from pydantic import SecretStr

    if url is None:
        return SecretStr(EMBEDDED_TOKEN)
    token = os.environ.get(variable)
    token_file = os.environ.get(file_variable)
    if token and token_file:
        raise ConfigError(said.TOKEN_TWICE(token=variable, token_file=file_variable))
    if token_file:
        token = _read_secret_file(file_variable, token_file)
    if not token:
        raise ConfigError(
            said.TOKEN_NEEDED(url=safe_url(url), token=variable, token_file=file_variable)
        )
    redaction.register(token)
    return SecretStr(token)


def notify_config(flags: tuple[str, ...] = ()) -> NotifyConfig:
    """Where the run's result goes: `--notify` targets, else `QUOTABULK_NOTIFY`; the mail
    server and sender when any target is a mail address. Checked before a run starts: a
    notification that cannot be sent is known before anything is."""
    from quotabulk.notify import NotifyConfig, parse_smtp_url, parse_targets
    from quotabulk.notify.targets import TargetKind

    texts = list(flags) or [os.environ.get(ENV_NOTIFY) or ""]
    targets = parse_targets(texts, "--notify" if flags else ENV_NOTIFY)
    ca_bundle = os.environ.get(ENV_CA_BUNDLE) or None
    if ca_bundle is not None and not Path(ca_bundle).is_file():
        raise ConfigError(said.CA_NOT_A_FILE(variable=ENV_CA_BUNDLE, value=ca_bundle))
    bundle = Path(ca_bundle) if ca_bundle else None
    if not any(t.kind is TargetKind.MAIL for t in targets):
        return NotifyConfig(targets, ca_bundle=bundle)
    url, sender = os.environ.get(ENV_SMTP_URL), os.environ.get(ENV_MAIL_FROM)
    if not url or not sender:
        raise ConfigError(said.NOTIFY_NO_SERVER(variable=ENV_SMTP_URL))
    path = os.environ.get(ENV_SMTP_PASSWORD_FILE)
    password = _read_secret_file(ENV_SMTP_PASSWORD_FILE, path) if path else None
    if password:
        redaction.register(password)
    server = parse_smtp_url(url, ENV_SMTP_URL, password)
    return NotifyConfig(targets, server, sender, ca_bundle=bundle)

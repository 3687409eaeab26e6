"""structlog, configured once per process: console lines on a terminal, JSON otherwise,
secrets redacted from every event before it is rendered."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any, TextIO

from quotabulk.redaction import REDACTED, blank


def _import_structlog_without_rich() -> None:
    """Import structlog with rich marked absent. When rich is installed, structlog imports
    it (and pygments) for pretty tracebacks and reprs: 60-80 ms, a fifth of the start-up
    of every command, for tracebacks quotabulk never logs. structlog takes its own
    fallback for a missing rich; rich is importable again afterwards (the progress bar
    uses it). Left alone when either was imported already."""
    if "rich" in sys.modules or "structlog" in sys.modules:
        return
    sys.modules["rich"] = None  # type: ignore[assignment]
    try:
        import structlog  # noqa: F401
    finally:
        del sys.modules["rich"]


_import_structlog_without_rich()
import structlog  # noqa: E402  (already imported, without rich)

SECRET_KEYS = frozenset({"token", "authorization", "password", "secret", "api_key"})
_configured = False


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return blank(value)
    if isinstance(value, dict):
        return {
            k: REDACTED if str(k).lower() in SECRET_KEYS else _redact(v) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(_redact(v) for v in value)
    return value


def redact_secrets(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A structlog processor: known secret values and secret-named keys never get out."""
    for key in list(event):
        event[key] = REDACTED if key.lower() in SECRET_KEYS else _redact(event[key])
    return event


def configure_logging(
    log_format: str | None = None, *, stream: TextIO | None = None, level: int = logging.INFO
) -> None:
    """`console` or `json`; None picks console on a terminal and JSON otherwise."""
    global _configured
    _configured = True
    out: TextIO | _CurrentStderr = stream or _CurrentStderr()
    if log_format is None:
        log_format = "console" if out.isatty() else "json"
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=out.isatty())
    )
    processors: Iterable[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_secrets,
        renderer,
    ]
    structlog.configure(
        processors=list(processors),
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=out),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )


class _CurrentStderr:
    """Whatever sys.stderr is when a line is written (it is swapped by test harnesses and
    by click's runner; holding on to the one seen at start would write into a closed file)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


def get_logger(**context: Any) -> Any:
    """A bound logger; warnings to stderr until a command configures more (structlog's own
    default would print to stdout, where machine-readable output goes)."""
    if not _configured:
        configure_logging(level=logging.WARNING)
    return structlog.get_logger("quotabulk").bind(**context)

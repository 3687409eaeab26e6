"""What every console page shares: the configuration, the workspace and jobs (on
`app.state`), the page renderer, and where uploads live."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from quotabulk.app.workspace import Workspace
from quotabulk.config import Settings
from quotabulk.console.auth import csrf_token
from quotabulk.console.i18n import LABELS
from quotabulk.console.jobs import Jobs
from quotabulk.engine.execute import ExecuteOptions

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
SAFE_ID = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


# Host names the console answers to unless told otherwise (`serve --allowed-host`), as
# Starlette's TrustedHostMiddleware spells them.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


@dataclass(frozen=True)
class ConsoleConfig:
    settings: Settings
    options: ExecuteOptions
    password_hash: str | None = None  # when set, required on every address
    secure_cookies: bool = False
    session_secret: str | None = None
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS


@dataclass(frozen=True)
class Console:
    """The console's state, one per app: pages read it from `request.app.state.console`."""

    config: ConsoleConfig
    workspace: Workspace
    jobs: Jobs

    @property
    def uploads(self) -> Path:
        return self.config.settings.home / "console"


def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A template with what every page shows: labels, language, CSRF token, banners."""
    console = console_of(request)
    lang = request.session.get("lang", "ru")
    shared = {
        "t": LABELS[lang],
        "lang": lang,
        "csrf": csrf_token(request),
        "sandbox": console.config.settings.embedded,
        "auth": console.config.password_hash is not None,
    }
    return TEMPLATES.TemplateResponse(request, name, {**shared, **context}, status_code=status)


def upload_folder(request: Request, upload_id: str) -> Path | None:
    if not upload_id or not set(upload_id) <= SAFE_ID:
        return None
    folder = console_of(request).uploads / upload_id
    return folder if (folder / "meta.json").exists() else None


def shown(text: str, folder: Path) -> str:
    """Sources as the user knows them: the uploaded file's name, not our storage path."""
    for path in folder.glob("*/*"):
        text = text.replace(str(path), path.name)
    return text

"""What every console page shares: the configuration, the workspace and jobs (on
`app.state`), the page renderer, and where uploads live."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from quotabulk.app import people
from quotabulk.app.words import message as render
from quotabulk.app.words import moment
from quotabulk.app.workspace import Workspace
from quotabulk.config import Settings
from quotabulk.console.auth import csrf_ok, csrf_token
from quotabulk.console.i18n import labels_of
from quotabulk.console.jobs import Jobs
from quotabulk.console.planning import Planner
from quotabulk.console.sessions import Sessions, SignedIn
from quotabulk.console.uploads import DEFAULT_KEEP_S
from quotabulk.domain.language import Language
from quotabulk.domain.messages import Text
from quotabulk.domain.running import ExecuteOptions

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
# `{{ run.started|when(lang) }}`: the journal's UTC in the account's zone, zone shown.
TEMPLATES.env.filters["when"] = lambda at, lang: moment(at, Language(lang))
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
    # Maker–checker: a maker submits, another person (a checker) approves.
    four_eyes: bool = False
    # Reverse proxies whose X-Forwarded-For is believed (for login throttling).
    trusted_proxies: tuple[str, ...] = ()
    # Uploads nothing needs any more are removed after this long (`--keep-uploads`).
    keep_uploads_s: float = DEFAULT_KEEP_S


@dataclass(frozen=True)
class Console:
    """The console's state, one per app: pages read it from `request.app.state.console`."""

    config: ConsoleConfig
    workspace: Workspace
    jobs: Jobs
    planner: Planner
    sessions: Sessions = field(default_factory=Sessions)

    @property
    def uploads(self) -> Path:
        return self.config.settings.home / "console"

    def four_eyes(self) -> bool:
        """`serve --four-eyes`, or the home's policy (which may be set while serving)."""
        return self.config.four_eyes or people.four_eyes_required(self.workspace)

    def named_users(self) -> bool:
        return people.has_users(self.workspace)

    def login_required(self) -> bool:
        return self.config.password_hash is not None or self.named_users()

    def access(self) -> tuple[bool, bool]:
        """(`login_required()`, `four_eyes()`), with one read of the journal."""
        users, four_eyes = people.access_of(self.workspace)
        password = self.config.password_hash is not None
        return password or users, self.config.four_eyes or four_eyes


def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def language_of(request: Request) -> Language:
    """The language this session reads: as switched, else the server's (the one rule:
    QUOTABULK_LANG, else the locale's ru or en, else Russian)."""
    chosen = request.session.get("lang")
    return Language(chosen) if chosen else console_of(request).config.settings.language


def words_of(request: Request) -> dict[str, str]:
    """The page labels in the session's language."""
    return labels_of(language_of(request).value)


def refused(request: Request, label: str | Text, status: int = 403) -> HTMLResponse:
    """An error page in the reader's language: `label` names a label (`console.i18n`), or
    is a message of the catalogue (rendered by `page`)."""
    if isinstance(label, Text):
        return page(request, "error.html", message=label, status=status)
    words = words_of(request)
    return page(request, "error.html", message=words.get(label, label), status=status)


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A template with what every page shows: labels, language, CSRF token, banners."""
    console = console_of(request)
    lang = language_of(request).value
    who = signed_in(request)
    auth, four_eyes = console.access()
    shared = {
        "t": labels_of(lang),
        "lang": lang,
        "csrf": csrf_token(request),
        "sandbox": console.config.settings.embedded,
        "auth": auth,
        "user": None if who is None else who.user,
        "role": None if who is None else who.role,
        "four_eyes": four_eyes,
        # The menu and «Выйти» are for someone inside, not for the sign-in page.
        "inside": who is not None or not auth,
    }
    if isinstance(context.get("message"), Text):  # errors in the page's language
        context["message"] = render(context["message"], Language(lang))
    return TEMPLATES.TemplateResponse(request, name, {**shared, **context}, status_code=status)


def upload_folder(request: Request, upload_id: str) -> Path | None:
    if not upload_id or not set(upload_id) <= SAFE_ID:
        return None
    folder = console_of(request).uploads / upload_id
    return folder if (folder / "meta.json").exists() else None


def forged(request: Request, csrf: str) -> Response | None:
    """The answer to a form without this session's CSRF token (None: the token is good)."""
    if csrf_ok(request, csrf):
        return None
    # An old tab, a form kept open across a restart: say so, in words.
    return refused(request, "form_expired", 403)


def posted_upload(
    request: Request, csrf: str, upload_id: str, holding: str | None = None
) -> Path | Response:
    """What a form about an upload acts on: its folder, when the form carries this
    session's CSRF token and the upload holds `holding` (its plan, or the frozen one;
    None: anything, as a question asked before there is a plan); else the answer to give."""
    refusal = forged(request, csrf)
    if refusal is not None:
        return refusal
    folder = upload_folder(request, upload_id)
    if folder is None or (holding is not None and not (folder / holding).exists()):
        return refused(request, "not_found", 404)
    return folder


def shown(text: str, folder: Path) -> str:
    """Sources as the user knows them: the uploaded file's name, not our storage path."""
    for path in folder.glob("*/*"):
        text = text.replace(str(path), path.name)
    return text


def signed_in(request: Request) -> SignedIn | None:
    """Who this request's session belongs to, if it is still open on the server."""
    return console_of(request).sessions.get(request.session.get("sid"))


def acting_user(request: Request) -> people.User | None:
    """The signed-in named user, re-read from the journal (a disabled one is nobody)."""
    who = signed_in(request)
    if who is None or who.role is None:
        return None
    return people.signed_in_user(console_of(request).workspace, who.user, who.revision)

"""The command line: one click group, commands loaded lazily, and the one error boundary.

`main(argv)` is the only place that turns exceptions into exit codes (the README's
table): an
expected failure prints one sentence; a bug prints one line and leaves its traceback
in a log under `$QUOTABULK_HOME/logs`.
"""

from __future__ import annotations

import importlib
import importlib.util
import signal
import sys
import threading
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime

import click

from quotabulk import __version__
from quotabulk.app.privacy import private_process
from quotabulk.cli import speech
from quotabulk.cli.speech import _, error_text
from quotabulk.config import home_folder
from quotabulk.domain.errors import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    QuotabulkError,
    ValidationFailed,
)
from quotabulk.redaction import blank

# name → "module:attribute"; importing only the command that runs keeps `validate` from
# paying for the HTTP client and the web stack.
COMMANDS = {
    "validate": "quotabulk.cli.validate:validate",
    "plan": "quotabulk.cli.plan:plan_command",
    "apply": "quotabulk.cli.apply:apply_command",
    "reconcile": "quotabulk.cli.reconcile:reconcile_command",
    "export": "quotabulk.cli.export:export_command",
    "history": "quotabulk.cli.history:history_command",
    "runs": "quotabulk.cli.runs:runs_command",
    "show": "quotabulk.cli.runs:show_command",
    "sandbox": "quotabulk.cli.sandbox:sandbox_group",
    "serve": "quotabulk.cli.serve:serve_command",
    "users": "quotabulk.cli.people:users_group",
    "approve": "quotabulk.cli.people:approve_command",
    "policy": "quotabulk.cli.people:policy_group",
    "audit": "quotabulk.cli.audit:audit_command",
    "doctor": "quotabulk.cli.doctor:doctor_command",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if _module_exists(COMMANDS[name])]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None or not _module_exists(target):
            return None
        return speech.translate_help(load_command(cmd_name))


def load_command(name: str) -> click.Command:
    module_name, attribute = COMMANDS[name].split(":")
    command = getattr(importlib.import_module(module_name), attribute)
    assert isinstance(command, click.Command)
    return command


def _module_exists(target: str) -> bool:
    return importlib.util.find_spec(target.split(":")[0]) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="quotabulk")
def cli() -> None:
    """Declarative bulk changes of mobile-operator quotas: validate, plan, apply, report."""


def _terminate_like_ctrl_c(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code. Never raises (but for SystemExit)."""
    args = list(sys.argv[1:] if argv is None else argv)
    speech.reset()  # one command, one language (tests run many in one process)
    speech.speak_click(speech.lang())
    speech.translate_help(cli)
    private_process()  # the home, reports and uploads hold names and numbers
    # SIGTERM (systemd, `timeout`) and SIGHUP (a closed terminal) mean what Ctrl-C means:
    # a run in progress stops tidily (its own handlers), anything else exits 130.
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _terminate_like_ctrl_c)
    try:
        result = cli.main(args=args, prog_name="quotabulk", standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo(_("Interrupted."), err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        # click's usage errors exit 2, which quotabulk keeps for "changes pending".
        exc.show()
        return EXIT_INPUT
    except QuotabulkError as exc:
        if not exc.reported:
            _show_error(exc)
        return exc.exit_code
    except Exception as exc:
        return _internal_error(exc, args)
    return result if isinstance(result, int) else 0


def _show_error(exc: QuotabulkError) -> None:
    if isinstance(exc, ValidationFailed):
        from quotabulk.cli.render import echo_problems

        echo_problems(exc.problems)
    click.echo(_("Error: {error}").format(error=blank(error_text(exc))), err=True)


def _internal_error(exc: BaseException, args: Sequence[str]) -> int:
    home = home_folder()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    log = home / "logs" / f"crash-{stamp}.log"
    command = args[0] if args else ""
    text = f"quotabulk {__version__} {command}\n" + "".join(traceback.format_exception(exc))
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(text, encoding="utf-8")
        where = _("; the details are in {log}").format(log=log)
    except OSError:  # a full disk, say: the details go to stderr rather than nowhere
        click.echo(text, err=True)
        log.unlink(missing_ok=True)  # never a 0-byte log that says nothing
        where = ""
    bug = _("Internal error: {kind}. This is a bug in quotabulk{where}.")
    click.echo(bug.format(kind=type(exc).__name__, where=where), err=True)
    return EXIT_INTERNAL

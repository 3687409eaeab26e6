"""The command line's language: one rule with the reports and the console (`--lang`,
else `QUOTABULK_LANG`, else the locale, else Russian — `quotabulk.i18n.language_from`).
Every sentence the CLI prints goes through here; the JSON outputs and JSON logs stay
English with codes (they are the machine contract)."""

from __future__ import annotations

import gettext
import os

import click

from quotabulk import i18n
from quotabulk.domain.errors import InputError, QuotabulkError, RowProblem
from quotabulk.domain.language import Language
from quotabulk.domain.messages import N_, NP_, Text
from quotabulk.domain.outcomes import Outcome, RunResult

ENV_LANG = "QUOTABULK_LANG"
_chosen: list[Language] = []  # set once per command, by `--lang` or at first use


# click's own words on a help page and in its usage errors, marked for the catalogue:
# click looks them up with the standard library's gettext (`speak_click`).
CLICK_WORDS = (
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Show this message and exit."),
    N_("Show the version and exit."),
    N_("default: {default}"),
    N_("required"),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Missing argument"),
    N_("Missing option"),
    N_("No such option {name!r}."),
    NP_("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"),
    N_("Aborted!"),
)
HELP = "cli.help"  # the context of the commands' and options' own help texts
# Each command's and option's English help, kept at first translation: the command
# objects are module singletons, and one process may run commands in both languages.
_ENGLISH_HELP: dict[int, str | None] = {}


def speak_click(language: Language) -> None:
    """click's help pages and usage errors in `language`: click asks the standard
    library's gettext, so its domain becomes ours and LANGUAGE names the language (GNU
    gettext's own first choice; nothing else here reads it)."""
    gettext.bindtextdomain(i18n.DOMAIN, str(i18n.LOCALE_DIR))
    gettext.textdomain(i18n.DOMAIN)
    os.environ["LANGUAGE"] = language.value


def translate_help(command: click.Command) -> click.Command:
    """A command's help, its options' and its subcommands', in the user's language (the
    English texts are the msgids, extracted from the commands by `make catalogue`)."""
    holders: list[click.Command | click.Option] = [command]
    holders += [param for param in command.params if isinstance(param, click.Option)]
    for holder in holders:
        english = _ENGLISH_HELP.setdefault(id(holder), holder.help)  # commands live on
        if english:
            holder.help = i18n.p_(HELP, english, lang())
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            translate_help(sub)
    return command


def help_texts() -> dict[str, None]:
    """Every help text of every command, for the catalogue (in English: no translation
    is applied until a command runs)."""
    from quotabulk.cli.main import cli, load_command

    found: dict[str, None] = {}

    def walk(command: click.Command) -> None:
        for holder in (command, *command.params):
            # The English, also when this process already showed a command translated.
            help_text = _ENGLISH_HELP.get(id(holder), getattr(holder, "help", None))
            if help_text:
                found[help_text] = None
        if isinstance(command, click.Group):
            for sub in command.commands.values():
                walk(sub)

    walk(cli)
    for name in cli.list_commands(click.Context(cli)):
        walk(load_command(name))
    return found


def lang() -> Language:
    if not _chosen:
        try:
            _chosen.append(i18n.language_from(os.environ.get(ENV_LANG)))
        except ValueError:  # the settings refuse it, in the locale's language or Russian
            _chosen.append(i18n.language_from(None))
    return _chosen[0]


def reset() -> None:
    _chosen.clear()


def use(explicit: str | None) -> None:
    """`--lang` of this command: the whole command speaks it, not only its report."""
    if explicit:
        _chosen[:] = [Language(explicit)]


def _(msgid: str) -> str:
    """A sentence of the command line in the user's language."""
    return i18n._(msgid, lang())


def n_(singular: str, plural: str, n: int) -> str:
    """The form that agrees with `n` (1 заявку, 2 заявки, 5 заявок); `{n}` filled in."""
    return i18n.n_(singular, plural, n, lang()).replace("{n}", str(n))


def when(at: str | None) -> str:
    """A journal's UTC time in the account's zone, with the zone: in English as stored
    (scripts read it), in another language as people write it."""
    if lang() is Language.EN:
        return at or ""
    return i18n.moment(at, lang())


def run_status_text(run: RunResult) -> str:
    if lang() is Language.EN:
        return run.status.value
    from quotabulk.app import words  # the report's words: not every command needs them

    return words.run_status_word(run.status, lang())


def run_counts(run: RunResult) -> str:
    """`9 applied, 1 rejected`; in Russian `Применено 9, Отклонено 1`."""
    counts = [(Outcome(name), n) for name, n in run.counts().items() if n]
    if lang() is Language.EN:
        return ", ".join(f"{n} {outcome.value}" for outcome, n in counts)
    from quotabulk.app import words

    return ", ".join(f"{words.outcome_word(outcome, lang())} {n}" for outcome, n in counts)


def said(text: Text | str) -> str:
    return i18n.say(text, lang())


def problem_line(problem: RowProblem) -> str:
    """`file:sheet:row, column «Лимит»: 'abc' — не сумма в рублях`."""
    if problem.column is None:
        return f"{problem.source}: {said(problem.text)}"
    where = _("{source}, column «{column}»").format(source=problem.source, column=problem.column)
    return f"{where}: {said(problem.text)}"


def error_text(exc: QuotabulkError) -> str:
    """An error in the user's language when the catalogue has its words, else as it is."""
    if exc.text is None:
        return exc.message
    if isinstance(exc, InputError):
        where = exc.location
        if exc.column is not None:
            where = _("{source}, column «{column}»").format(source=where, column=exc.column)
        return f"{where}: {said(exc.text)}"
    return said(exc.text)


def confirm(question: str, *, default: bool) -> bool:
    """A yes/no question with its default shown (`[y/N]`); `д`/`да` and `н`/`нет` are
    accepted too. An empty answer is the default."""
    yes, no = {"y", "yes", "д", "да"}, {"n", "no", "н", "нет"}
    suffix = " [Y/n]: " if default else " [y/N]: "
    while True:
        answer = click.prompt(
            question, default="", show_default=False, prompt_suffix=suffix, err=True
        )
        answer = str(answer).strip().lower()
        if not answer:
            return default
        if answer in yes:
            return True
        if answer in no:
            return False
        click.echo(_("Answer y (yes) or n (no)."), err=True)


def _use_language(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    use(value)
    return value


lang_option = click.option(
    "--lang",
    type=click.Choice([lang.value for lang in Language]),
    default=None,
    is_eager=True,
    callback=_use_language,
    help="the language of the output and of an .xlsx or .csv report (JSON stays English)"
    " [default: QUOTABULK_LANG, else the locale's ru or en, else ru]",
)

"""The command line in the user's language: Russian when nothing says otherwise (cron's
bare environment), English with an English locale or `--lang en`; and on a terminal the
plan stays on screen while its question waits."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import Run
from tests.conftest import EXAMPLES

SHEET = (
    "Номер;Лимит, руб.;Порог\n79161000005;2 500;\n79161000006;abc;\n79161000007;100;200\n123;100;\n"
)

# Words that may stay Latin in Russian output: names of files, flags, formats, commands.
ALLOWED = {"quotabulk", "json", "format", "show", "report", "skip", "invalid", "yaml"}
ALLOWED |= {"xlsx", "csv", "columns", "ignore", "operator", "timeout", "sandbox", "http"}
ALLOWED |= {"ACC", "XXXXXXXXXX"}
HELP_NAMES = {
    "apply",
    "plan",
    "validate",
    "reconcile",
    "policy",
    "four",
    "eyes",
    "Ctrl",
    "stdout",
    "stderr",
    "limit",
}
# The mapping file's keys and --hidden's values, written as the user types them.
HELP_NAMES |= {"columns", "ignore", "sheets", "hidden", "read", "skip"}
HELP_NAMES |= {
    "passwd",
    "unlock",
    "disable",
    "console",
    "text",
    "delete",
    "true",
    "users",
    "add",
    "role",
    "admin",
    "locale",
}
# --notify's example address and --notify-on's values are quoted as typed.
HELP_NAMES |= {"mailto", "finance", "corp", "example", "always", "changes", "problems"}


def english_words(text: str, *known: str) -> list[str]:
    """Latin words of four letters or more, besides paths, run ids and the allowed ones:
    what a message that fell back to English leaves behind."""
    for value in known:
        text = text.replace(value, " ")
    text = re.sub(r"\S*/\S*", " ", text)  # paths and sources
    text = re.sub(r"\b\d{8}-\d{6}-[0-9a-f]+\b", " ", text)  # run ids
    text = re.sub(r"`[^`]*`", " ", text)  # commands quoted as code
    text = re.sub(r"--[\w-]+|\$\w+|\b[A-Z_]{3,}\b", " ", text)  # flags, variables, metavars
    words = re.findall(r"[A-Za-z]{4,}", text)
    return [w for w in words if w not in ALLOWED and w.lower() not in ALLOWED]


@pytest.fixture
def russian(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUOTABULK_LANG")  # a locale naming no language: the finance team's


@pytest.fixture
def seeded(qb: Run) -> None:
    assert qb("sandbox", "seed", "--from", EXAMPLES / "current.yaml").returncode == 0


@pytest.mark.usefixtures("russian", "seeded")
def test_validate_plan_and_apply_speak_russian_without_a_locale(
    qb: Run, text_file: Callable[..., Path], quotabulk_home: Path
) -> None:
    sheet = text_file("квоты.csv", SHEET)
    validated = qb("validate", sheet)
    assert validated.returncode == 1
    assert f"{sheet}:3, столбец «Лимит, руб.»: 'abc' — не сумма в рублях" in validated.stdout
    assert f"{sheet}:4, столбец «Порог»: порог 200 выше лимита 100" in validated.stdout
    assert validated.stdout.splitlines()[-1] == "Прочитаны 4 строки, без ошибок 1, с ошибками 3."
    planned = qb("plan", "--skip-invalid", sheet)
    assert planned.returncode == 0, planned.stderr
    assert "Пропущены 3 строки с ошибками (--skip-invalid)." in planned.stderr
    [change] = [line for line in planned.stdout.splitlines() if line.startswith("~")]
    assert "→ 2\u00a0500,00\u00a0₽ (" in change
    summary = planned.stdout.splitlines()[-1]
    assert summary == "План: добавить 0, изменить 1, удалить 0, без изменений 0."
    report = quotabulk_home / "r.xlsx"
    applied = qb("apply", "--yes", "--skip-invalid", sheet, "--report", report)
    assert applied.returncode == 3, applied.stderr  # the invalid rows make it partial
    # Without a terminal: plain lines in words, not JSON.
    assert not any(line.startswith("{") for line in applied.stderr.splitlines())
    assert "Отправлено 1 из 1" in applied.stderr
    assert f"Отчёт: {report}" in applied.stderr
    assert re.search(r"^Запуск \S+: Применено 1, Ошибка в строке 3\.$", applied.stdout, re.M)
    run_id = re.findall(r"^Запуск (\S+):", applied.stdout, re.M)[0]
    listed, shown_run, doctor = qb("runs"), qb("show", run_id), qb("doctor")
    assert re.search(rf"^{run_id}  \d\d\.\d\d\.\d{{4}} \d\d:\d\d", listed.stdout, re.M)
    assert "завершён" in listed.stdout
    assert shown_run.stdout.startswith(f"Запуск {run_id} по счёту ACC-100200 (завершён)")
    assert "в порядке; в нём 1 запуск." in doctor.stdout
    for done in (validated, planned, applied, listed, shown_run, doctor):
        shown = done.stdout + done.stderr
        assert english_words(shown) == [], shown


@pytest.mark.usefixtures("russian")
def test_help_and_usage_errors_are_russian(qb: Run) -> None:
    """--help where click allows: our texts and click's own words («Использование:»)."""
    for command in ("apply", "plan", "validate", "reconcile", "users"):
        shown = qb(command, "--help")
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout.startswith("Использование: quotabulk")
        # Names of commands, streams and keys a help text quotes stay as they are.
        assert set(english_words(shown.stdout)) <= HELP_NAMES, shown.stdout
    mistyped = qb("plan", "--prunee")
    assert mistyped.returncode == 1
    assert "Ошибка: Нет параметра '--prunee'. Может быть, '--prune'?" in mistyped.stderr


@pytest.mark.usefixtures("russian")
def test_errors_are_one_russian_sentence(qb: Run, text_file: Callable[..., Path]) -> None:
    empty = qb("validate", text_file("пусто.csv", "Номер;Лимит\n"))
    assert empty.returncode == 1
    assert empty.stderr.startswith("Ошибка: ")
    assert "есть строка заголовков, но нет ни одной строки с данными" in empty.stderr
    strict = qb("plan", text_file("плохо.csv", "Номер;Лимит\n79161000005;abc\n"))
    assert strict.returncode == 1
    assert "Ошибка: 1 строка с ошибками; оператору ничего не отправлено" in strict.stderr
    for done in (empty, strict):
        assert english_words(done.stderr) == [], done.stderr


def test_an_english_locale_or_lang_en_gives_english(
    qb: Run, text_file: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    sheet = text_file("q.csv", "Номер;Лимит\n79161000005;abc\n")
    english = "1 row read, 0 valid, 1 invalid."
    monkeypatch.delenv("QUOTABULK_LANG")
    monkeypatch.setenv("LC_MESSAGES", "en_GB.UTF-8")  # the locale's language
    assert qb("validate", sheet).stdout.splitlines()[-1] == english
    russian = qb("validate", sheet, "--lang", "ru").stdout  # the flag before the locale
    assert russian.splitlines()[-1] == "Прочитана 1 строка, без ошибок 0, с ошибками 1."
    monkeypatch.setenv("LC_MESSAGES", "ru_RU.UTF-8")
    assert qb("validate", sheet, "--lang", "en").stdout.splitlines()[-1] == english
    monkeypatch.setenv("QUOTABULK_LANG", "en")  # the variable before the locale
    assert qb("validate", sheet).stdout.splitlines()[-1] == english


def _screen(session: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=True
    ).stdout


def _wait_for(session: str, text: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout  # a guard against a hang, not a timing assertion
    while time.monotonic() < deadline:
        screen = _screen(session)
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared:\n{_screen(session)}")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="`make test` installs tmux")
@pytest.mark.usefixtures("russian", "seeded")
def test_on_a_terminal_the_plan_stays_on_screen_while_its_question_waits(
    qb: Run, tmp_path: Path
) -> None:
    """A real terminal (tmux): the plan lines and the summary are on screen when the
    question is asked, with its default shown; no progress bar before the answer; `н`
    sends nothing."""
    session = f"qb-{os.getpid()}"
    files = [str(EXAMPLES / "quotas.yaml")]
    before = qb("plan", *files).stdout
    command = " ".join([sys.executable, "-m", "quotabulk", "apply", *files])
    env = [f"{k}={v}" for k, v in os.environ.items() if k.startswith("QUOTABULK_")]
    tmux = ["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "50"]
    # A tmux server already running gives its own environment: set the locale outright.
    clean = ["env", "-u", "QUOTABULK_LANG", "-u", "LC_ALL", "-u", "LC_MESSAGES", "LANG=C.UTF-8"]
    shell = f"{command}; echo EXIT=$?; sleep 30"
    subprocess.run([*tmux, *clean, *env, "sh", "-c", shell], check=True)
    try:
        screen = _wait_for(session, "[y/N]:")
        lines = [line.rstrip() for line in screen.splitlines() if line.strip()]
        question = next(i for i, line in enumerate(lines) if "[y/N]:" in line)
        assert lines[question].startswith("Отправить оператору ")
        assert lines[question - 1].startswith("План: добавить ")
        assert any(line.startswith(("+ 7", "~ 7", "- 7")) for line in lines[:question])
        assert "отправлено" not in screen  # no bar, no timer while the question waits
        assert "0/0" not in screen
        subprocess.run(["tmux", "send-keys", "-t", session, "н", "Enter"], check=True)
        screen = _wait_for(session, "EXIT=")
        assert "Ничего не отправлено." in screen
        assert "EXIT=0" in screen
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)
    assert qb("plan", *files).stdout == before  # the operator saw nothing

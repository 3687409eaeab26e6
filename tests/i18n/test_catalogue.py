"""The catalogues are true to the code, and one rule picks the language everywhere."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from quotabulk.cli.catalogue import extracted, po_files, problems
from quotabulk.domain.language import Language
from quotabulk.domain.messages import KINDS
from quotabulk.i18n import LOCALE_DIR, compile_po, language_from, moment, money, translations

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_every_language_translates_every_word_of_the_code() -> None:
    """What `make check` holds: a word added to the code without its translation, a
    fuzzy entry or one the code no longer says fails here (`make catalogue` updates)."""
    code = extracted()
    assert len(code) > 200
    files = po_files()
    assert [po.parent.parent.name for po in files] == ["ru"]  # English is the code's own
    for po in files:
        assert problems(po, code) == []


def test_a_missing_translation_is_found(tmp_path: Path) -> None:
    po = tmp_path / "quotabulk.po"
    text = (LOCALE_DIR / "ru/LC_MESSAGES/quotabulk.po").read_text(encoding="utf-8")
    po.write_text(
        text.replace('msgstr "{value} — не сумма в рублях"', 'msgstr ""'), encoding="utf-8"
    )
    assert problems(po) == [f"{po}: not translated: (None, '{{value}} is not an amount')"]


def test_each_translation_uses_the_parts_of_its_template() -> None:
    """A Russian sentence that drops `{limit}` or invents `{amount}` would fail at run
    time on one row out of thousands; here it fails at once."""
    russian = translations(Language.RU)
    for kind in KINDS.values():
        english = set(PLACEHOLDER.findall(kind.singular))
        if kind.plural is None:
            forms = [russian.gettext(kind.singular)]
        else:
            forms = [russian.ngettext(kind.singular, kind.plural, n) for n in (1, 2, 5)]
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) <= english | {"n"}, (kind.code, form)
            assert set(PLACEHOLDER.findall(form)) >= english - {"n"}, (kind.code, form)


def test_a_checkout_without_compiled_catalogues_still_speaks_russian(tmp_path: Path) -> None:
    po = LOCALE_DIR / "ru/LC_MESSAGES/quotabulk.po"
    copy = tmp_path / "quotabulk.po"
    shutil.copy(po, copy)
    import gettext
    from io import BytesIO

    compiled = gettext.GNUTranslations(BytesIO(compile_po(copy)))
    assert compiled.gettext("{value} is not an amount") == "{value} — не сумма в рублях"


@pytest.mark.parametrize(
    ("explicit", "env", "expected"),
    [
        ("en", {"LANG": "ru_RU.UTF-8"}, Language.EN),  # --lang / QUOTABULK_LANG first
        (None, {"LANG": "en_GB.UTF-8"}, Language.EN),
        (None, {"LC_ALL": "ru_RU.UTF-8", "LANG": "en_US.UTF-8"}, Language.RU),
        (None, {"LC_MESSAGES": "en_US", "LANG": "ru_RU"}, Language.EN),
        (None, {"LANG": "de_DE.UTF-8"}, Language.RU),  # a language we do not have
        (None, {"LANG": "C.UTF-8"}, Language.RU),
        (None, {}, Language.RU),  # cron's bare environment: the finance team's language
    ],
)
def test_one_rule_picks_the_language(
    explicit: str | None, env: dict[str, str], expected: Language
) -> None:
    assert language_from(explicit, env) is expected


def test_money_has_the_rouble_sign_in_both_languages() -> None:
    assert money(Decimal("1500.5"), Language.RU) == "1\u00a0500,50\u00a0₽"
    assert money(Decimal("1500.5"), Language.EN) == "1,500.50\u00a0₽"


def test_times_are_shown_in_the_accounts_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    at = datetime(2026, 11, 30, 11, 56, tzinfo=UTC)
    assert moment(at, Language.RU) == "30.11.2026 14:56\u00a0(GMT+03:00)"
    assert moment("2026-11-30T11:56:01.799Z", Language.RU).startswith("30.11.2026 14:56")
    monkeypatch.setenv("QUOTABULK_TZ", "Asia/Yekaterinburg")
    assert moment(at, Language.EN) == "30.11.2026 16:56\u00a0(GMT+05:00)"

"""Russian mode leaves nothing in English: every word a template asks for is a label,
every label and every catalogue message has Russian words of its own."""

from __future__ import annotations

import re
from pathlib import Path

from quotabulk.console.i18n import ENGLISH, labels
from quotabulk.domain.language import Language
from quotabulk.domain.messages import KINDS
from quotabulk.i18n import translations

TEMPLATES = Path(__file__).resolve().parents[2] / "quotabulk" / "console" / "templates"
# Words that are the same in both languages: a format string of parts only.
SAME_IN_BOTH = {"{limit} ₽ ({on_exceed})", "--msisdn: {detail}"}


def test_every_label_a_template_uses_exists_and_is_russian() -> None:
    russian, english = labels(Language.RU), labels(Language.EN)
    used: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        used |= set(re.findall(r"\bt\.(\w+)", text))
        used |= set(re.findall(r"""\bt\[["'](\w+)["']\]""", text))
    assert used, "the templates were not read"
    assert sorted(used - russian.keys()) == []
    for key in used | ENGLISH.keys():
        assert russian[key] != english[key], (key, russian[key])


def test_every_message_of_the_catalogue_has_russian_words() -> None:
    russian = translations(Language.RU)
    for kind in KINDS.values():
        if kind.singular in SAME_IN_BOTH:
            continue
        if kind.plural is None:
            assert russian.gettext(kind.singular) != kind.singular, kind.code
        else:
            for n in (1, 2, 5):
                form = russian.ngettext(kind.singular, kind.plural, n)
                assert form not in (kind.singular, kind.plural), (kind.code, n)

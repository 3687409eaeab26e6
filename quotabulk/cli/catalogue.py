"""Keeps the `.po` files true to the code: the English words marked in it (`N_`, `NP_`,
`C_` in tables; `_`, `n_`, `p_` where a word is shown) are extracted with Babel, and a
language's catalogue must translate each of them, no more, nothing fuzzy.

`python -m quotabulk.cli.catalogue` (`make catalogue`) brings every `.po` up to date;
a test fails while one is not (`problems`). It lives with the command line because the
help texts of the commands are among the words it collects.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from quotabulk.i18n import DOMAIN, LOCALE_DIR

PACKAGE = LOCALE_DIR.parent.parent  # quotabulk/
KEYWORDS: dict[str, Any] = {
    "N_": None,
    "NP_": (1, 2),
    "C_": ((1, "c"), 2),
    "_": (1,),
    "n_": (1, 2),
    "p_": ((1, "c"), 2),
}
Key = tuple[str | None, str]


def extracted() -> dict[Key, Any]:
    """Every marked word of the code, by (context, msgid), with its plural when it has one."""
    from babel.messages.extract import extract_from_dir

    found: dict[Key, Any] = {}
    for _file, _line, message, _comments, context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found[(context, message if isinstance(message, str) else message[0])] = message
    # The command line's help texts: written as click options and docstrings, so taken
    # from the commands themselves.
    from quotabulk.cli.speech import HELP, help_texts

    for text in help_texts():
        found[(HELP, text)] = text
    return found


def po_files() -> list[Path]:
    return sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def problems(po: Path, code: dict[Key, Any] | None = None) -> list[str]:
    """What keeps `po` from being the code's catalogue, one line each."""
    from babel.messages.pofile import read_po

    code = extracted() if code is None else code
    with po.open("rb") as handle:
        catalog = read_po(handle)
    found: list[str] = []
    have: set[Key] = set()
    for message in catalog:
        if not message.id:
            continue
        key = (message.context, message.id if isinstance(message.id, str) else message.id[0])
        have.add(key)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if key not in code:
            found.append(f"{po}: no longer in the code: {key}")
        elif message.fuzzy or not all(strings):
            found.append(f"{po}: not translated: {key}")
    found += [f"{po}: missing: {key}" for key in sorted(code.keys() - have, key=str)]
    return found


def update() -> None:
    """Add what the code says and the catalogues lack (untranslated), drop what it no
    longer says: then translate the empty entries."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    template = Catalog(domain=DOMAIN, project="quotabulk")
    for (context, _id), message in sorted(extracted().items(), key=str):
        template.add(message, context=context, flags=("python-brace-format",))
    for po in po_files():
        with po.open("rb") as handle:
            catalog = read_po(handle)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with po.open("wb") as handle:
            write_po(handle, catalog, sort_output=True, width=100, ignore_obsolete=True)


if __name__ == "__main__":
    update()
    sys.exit(1 if any(problems(po) for po in po_files()) else 0)

"""The catalogue of messages: every problem a loader or the planner finds about one row,
every whole-file error and notice of the readers, with a code and its words in Russian
and English.

The loaders and the planner speak English (the CLI's language, and what scripts match
on); a face that speaks Russian — the console, a Russian report — renders the same
message from here. Each entry is the English form as a pattern with named parts, so a
message the catalogue does not know passes through unchanged rather than being lost,
and a test checks that every message the code can produce is known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from quotabulk.domain.language import Language


@dataclass(frozen=True)
class Message:
    code: str
    english: str  # a regular expression with named groups
    russian: str  # a str.format template over the same names

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compiled(self.english)


@cache
def _compiled(english: str) -> re.Pattern[str]:
    return re.compile(english, re.DOTALL)


CATALOGUE: tuple[Message, ...] = (
    Message("QB101", r"(?P<v>'.*'|\S+) is not an amount", "{v} — не сумма в рублях"),
    Message("QB102", r"(?P<v>'.*') is negative; a quota is 0 or more", "{v} — отрицательная сумма"),
    Message("QB103", r"(?P<v>'.*') is far too large for a quota", "{v} — слишком большая сумма"),
    Message(
        "QB104", r"(?P<v>'.*') has more than two decimals", "{v}: больше двух знаков после запятой"
    ),
    Message("QB110", r"the phone number is empty", "номер телефона не указан"),
    Message("QB111", r"(?P<v>'.*'|\S+) is not a phone number", "{v} — не номер телефона"),
    Message(
        "QB112",
        r"(?P<v>'.*') is not a Russian number of 11 digits \(7XXXXXXXXXX\)",
        "{v} — не российский номер из 11 цифр (7XXXXXXXXXX)",
    ),
    Message(
        "QB120",
        r"the threshold (?P<warn>\S+) is above the limit (?P<limit>\S+)",
        "порог {warn} выше лимита {limit}",
    ),
    Message(
        "QB121",
        r"(?P<v>'.*') is not «блокировка» \(block\) or «личный счёт» \(personal\)",
        "{v} — не «блокировка» и не «личный счёт»",
    ),
    Message(
        "QB122",
        r"(?P<v>'.*') is not an action; write «удалить» or leave it empty",
        "{v} — не действие: напишите «удалить» или оставьте пустым",
    ),
    Message(
        "QB123",
        r"there is no limit column, so only deletions can be written here",
        "в файле нет столбца с лимитом, поэтому здесь можно только удалять квоты",
    ),
    Message(
        "QB124",
        r"the limit is empty; an empty limit never deletes a quota, write «удалить» in "
        r"«(?P<column>.*)»",
        "лимит не указан; пустой лимит никогда не удаляет квоту — напишите «удалить» "
        "в столбце «{column}»",
    ),
    Message(
        "QB125",
        r"the limit is empty; an empty limit never deletes a quota, mark the row with "
        r"action «delete»",
        "лимит не указан; пустой лимит никогда не удаляет квоту — отметьте строку "
        "действием «удалить»",
    ),
    Message(
        "QB130",
        r"(?P<msisdn>\d+) is written (?P<n>\d+) times \(here first\); keep one row",
        "{msisdn} записан {n} {times}: впервые здесь; оставьте одну строку",
    ),
    Message(
        "QB131",
        r"(?P<msisdn>\d+) is written (?P<n>\d+) times \(first at (?P<first>.*)\); keep one row",
        "{msisdn} записан {n} {times}, впервые в {first}; оставьте одну строку",
    ),
    Message(
        "QB140",
        r"(?P<msisdn>\d+) is not a subscriber of this account",
        "{msisdn} — не абонент этого лицевого счёта",
    ),
    Message(
        "QB141",
        r"(?P<msisdn>\d+) keeps its threshold (?P<warn>\S+), which is above the new limit "
        r"(?P<limit>\S+); give the threshold too",
        "у {msisdn} останется порог {warn}, а он выше нового лимита {limit}; укажите и порог",
    ),
    # Whole-run messages a console user meets.
    Message(
        "QB201",
        r"the saved plan is stale, nothing was sent: (?P<n>\d+) subscribers changed since it "
        r"was made: (?P<changes>.*)\. Make a new plan\.",
        "план устарел, ничего не отправлено: с тех пор изменились абоненты ({n}): {changes}. "
        "Загрузите файлы снова, чтобы составить новый план.",
    ),
    Message(
        "QB202",
        r"the operator at (?P<url>\S+) gave no good answer for (?P<time>.+?) "
        r"\(--operator-timeout\); the last fault: (?P<fault>.*)",
        "оператор {url} не отвечал как следует {time}; последняя ошибка: {fault}",
    ),
    # Whole-file messages (they come as `file:sheet: message`).
    Message(
        "QB301",
        r"(?P<where>.+?): (?:no sheet has a header row: )?no header row with a phone-number "
        r"column \(e\.g\. «Номер», «Телефон»\) and a limit \(e\.g\. «Лимит, руб»\) or action "
        r"column was found in the first (?P<n>\d+) rows(?P<seen>; rows seen: .*)?",
        "{where}: в первых {n} строках не нашлось заголовков со столбцом номера («Номер», "
        "«Телефон») и лимита («Лимит, руб») или действия{seen}",
    ),
    Message(
        "QB302",
        r"(?P<where>.+?): has a header row but no data rows; an empty input is almost always "
        r"a mistake",
        "{where}: есть строка заголовков, но нет ни одной строки с данными; пустой файл почти "
        "всегда ошибка",
    ),
    Message(
        "QB303",
        r"(?P<where>.+?): is protected by a password; save a copy without one and use that",
        "{where}: файл защищён паролем; сохраните копию без пароля и загрузите её",
    ),
    Message(
        "QB304",
        r"(?P<where>.+?): is neither UTF-8 nor Windows-1251 text",
        "{where}: текст не в кодировке UTF-8 и не в Windows-1251",
    ),
    Message(
        "QB305",
        r"(?P<where>.+?): is a binary file, not CSV text; was an \.xlsx renamed to \.csv\?",
        "{where}: это двоичный файл, а не текст CSV; может быть, .xlsx переименовали в .csv?",
    ),
    Message(
        "QB306",
        r"(?P<where>.+?): column «(?P<label>.+?)» looks like (?P<field>\S+) but is not one of "
        r"its headers; .*",
        "{where}: столбец «{label}» похож на {field}, но его заголовок не из известных; "
        'переименуйте столбец или сопоставьте его в файле столбцов (`{field}: "{label}"`), '
        "а если он не нужен — перечислите его в `ignore:`",
    ),
    Message(
        "QB307",
        r"(?P<where>.+?): has an unknown kind; quotabulk reads (?P<known>.*)",
        "{where}: файлы такого типа не читаются; подойдут {known}",
    ),
    Message(
        "QB308",
        r"(?P<where>.+?): the inputs name different accounts: (?P<accounts>.*)",
        "{where}: в файлах указаны разные лицевые счета: {accounts}",
    ),
    Message(
        "QB309",
        r"(?P<where>.+?): cannot be read: (?P<detail>.*)",
        "{where}: файл не читается: {detail}",
    ),
    Message(
        "QB310",
        r"(?P<where>.+?): is not valid CSV: (?P<detail>.*)",
        "{where}: ошибка в CSV: {detail}",
    ),
    Message(
        "QB311",
        r"(?P<where>.+?): cannot be read as a (?P<kind>\.\w+) workbook \((?P<detail>.*)\)",
        "{where}: не открывается как книга {kind} ({detail})",
    ),
    Message(
        "QB312",
        r"(?P<where>.+?): is not a (?P<kind>\.\w+) workbook; was it saved as another format\?",
        "{where}: это не книга {kind}; может быть, её сохранили в другом формате?",
    ),
    Message(
        "QB313",
        r"(?P<where>.+?): has no sheet «(?P<sheet>.*?)»; its sheets are (?P<sheets>.*)",
        "{where}: нет листа «{sheet}»; листы книги: {sheets}",
    ),
    Message(
        "QB314",
        r"(?P<where>.+?): cannot be read \((?P<detail>.*)\)",
        "{where}: лист не читается ({detail})",
    ),
    Message(
        "QB315",
        r"(?P<where>.+?): unpacks to (?P<mb>\d+) MB, too large for a quota list",
        "{where}: в распакованном виде {mb} МБ — слишком много для списка квот",
    ),
    Message(
        "QB320",
        r"(?P<where>.+?): is not UTF-8 text; is it really a YAML file\?",
        "{where}: текст не в кодировке UTF-8; это точно файл YAML?",
    ),
    Message(
        "QB321",
        r"(?P<where>.+?): is not a quota document: expected `version: 1` and `quotas:`",
        "{where}: это не документ с квотами: в нём должны быть `version: 1` и `quotas:`",
    ),
    Message(
        "QB322",
        r"(?P<where>.+?): has unknown key '(?P<key>.*)' \(known: (?P<known>.*)\)",
        "{where}: неизвестный ключ '{key}' (известные: {known})",
    ),
    Message(
        "QB323",
        r"(?P<where>.+?): must say `version: (?P<version>\d+)` \(found (?P<found>.*)\)",
        "{where}: должно быть `version: {version}` (а указано {found})",
    ),
    Message(
        "QB324",
        r"(?P<where>.+?): must have a `quotas:` list",
        "{where}: нужен список `quotas:`",
    ),
    Message(
        "QB325",
        r"(?P<where>.+?): has an empty `quotas:` list; an empty input is almost always a mistake",
        "{where}: список `quotas:` пуст; пустой файл почти всегда ошибка",
    ),
    Message(
        "QB326",
        r"(?P<where>.+?): `defaults:` must be a mapping such as \{on_exceed: block\}",
        "{where}: `defaults:` — это набор полей, например {{on_exceed: block}}",
    ),
    Message(
        "QB327",
        r"(?P<where>.+?): `defaults:` cannot set '(?P<key>.*)'",
        "{where}: в `defaults:` нельзя задать '{key}'",
    ),
    Message(
        "QB328",
        r"(?P<where>.+?): `defaults: on_exceed` '(?P<v>.*)' is not block or personal",
        "{where}: `defaults: on_exceed` '{v}' — не block и не personal",
    ),
    Message(
        "QB329",
        r"(?P<where>.+?): `defaults: warn_at` (?P<detail>.*)",
        "{where}: `defaults: warn_at`: {detail}",
    ),
    Message(
        "QB330",
        r"(?P<where>.+?): is not valid YAML at line (?P<line>\d+): (?P<detail>.*)",
        "{where}: ошибка в YAML в строке {line}: {detail}",
    ),
    Message(
        "QB331",
        r"(?P<where>.+?): is not valid YAML(?: at somewhere)?: (?P<detail>.*)",
        "{where}: ошибка в YAML: {detail}",
    ),
    Message(
        "QB332",
        r"(?P<where>.+?): is nested too deeply to be a quota document",
        "{where}: слишком глубокая вложенность для документа с квотами",
    ),
    Message(
        "QB333",
        r"(?P<where>.+?): expands to too many values \(an alias bomb\?\)",
        "{where}: раскрывается в слишком много значений (бомба из ссылок YAML?)",
    ),
    # What a reader tells about a file it did read (the CLI prints them on stderr).
    Message(
        "QB350",
        r"(?P<where>.+?): not managed: (?P<columns>.*)",
        "{where}: столбцы {columns} не меняют квот, они только попадут в отчёт",
    ),
    Message(
        "QB351",
        r"(?P<where>.+?): sheet «(?P<sheet>.*?)» has no header row and was skipped",
        "{where}: на листе «{sheet}» нет строки заголовков, лист пропущен",
    ),
    Message(
        "QB352",
        r"(?P<where>.+?): a total row \(«строка итогов»\), skipped",
        "{where}: строка итогов, пропущена",
    ),
    Message(
        "QB150",
        r"entry (?P<n>\d+) of `quotas:` is not a mapping",
        "запись {n} в `quotas:` — не набор полей",
    ),
)


def _times(n: str) -> str:
    """«раз» / «раза»: 2, 3, 4, 22 раза; 5, 11, 12 раз."""
    number = int(n)
    return "раза" if 2 <= number % 10 <= 4 and not 12 <= number % 100 <= 14 else "раз"


def code_of(message: str) -> str | None:
    for entry in CATALOGUE:
        if entry.pattern.fullmatch(message):
            return entry.code
    return None


def render(message: str, lang: Language) -> str:
    """The message in `lang`; one the catalogue does not know, as it is."""
    if lang is Language.EN:
        return message
    for entry in CATALOGUE:
        found = entry.pattern.fullmatch(message)
        if found is not None:
            parts = found.groupdict()
            if "n" in parts:
                parts["times"] = _times(parts["n"])
            if parts.get("detail"):  # a message inside a message: `defaults: warn_at` 'x' is not…
                parts["detail"] = render(parts["detail"], lang)
            if "seen" in parts:  # the header rows that were seen, quoted as they are
                seen = parts["seen"] or ""
                parts["seen"] = seen.replace("; rows seen: ", "; в начале: ").replace(
                    "row ", "строка "
                )
            return entry.russian.format(**parts)
    return message


def render_line(text: str, lang: Language) -> str:
    """A row's problems as one line — `Номер: '123' is not …; Лимит: …`, as the journal
    keeps them — with each message rendered in `lang` and each column left as written.
    Messages may hold `; ` themselves, so pieces are joined until one is known."""
    if lang is Language.EN or not text:
        return text
    out: list[str] = []
    pending: list[str] = []
    for piece in text.split("; "):
        pending.append(piece)
        joined = "; ".join(pending)
        shown = _known(joined, lang)
        if shown is not None:
            out.append(shown)
            pending = []
    if pending:
        out.append("; ".join(pending))
    return "; ".join(out)


def _known(text: str, lang: Language) -> str | None:
    """`text` (or `column: text`) rendered, when the catalogue knows the message."""
    candidates = [("", text)]
    column, sep, rest = text.partition(": ")
    if sep:
        candidates.append((f"{column}: ", rest))
    for prefix, message in candidates:
        if code_of(message) is not None:
            return prefix + render(message, lang)
    return None


def parts_of(message: str, code: str) -> dict[str, str] | None:
    """The named parts of `message` when it is the catalogue's `code` (None otherwise):
    what a face needs to offer a way out, e.g. the column of QB306 to map."""
    for entry in CATALOGUE:
        if entry.code == code:
            found = entry.pattern.fullmatch(message)
            return None if found is None else found.groupdict()
    return None

"""What quotabulk tells a person, as data: a `Text` is a catalogue code and its parts,
never a sentence to be parsed back. Its English words are the template here (the gettext
`msgid`, extracted by Babel from the `N_(…)` marks); every other language is one `.po`
file under `quotabulk/i18n/locale/` (`quotabulk.i18n.say` renders a Text in one).

The JSON outputs and the journal keep the code and the parts, so a problem written in
English today is shown in Russian tomorrow, and scripts match on codes, not on words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Union

# A part of a message: a value as written, a count, an amount, a message inside it, or
# several messages (shown joined by "; ").
Part = Union[str, int, Decimal, "Text", tuple["Text", ...]]


def N_(template: str) -> str:
    """Marks an English template for extraction; it is translated when shown."""
    return template


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Marks a singular and plural pair; `n` among the parts picks the form."""
    return singular, plural


@dataclass(frozen=True, slots=True)
class Kind:
    """One entry of the catalogue: a stable code and its English template(s)."""

    code: str
    english: str | tuple[str, str]

    def __call__(self, **parts: Part) -> Text:
        return Text(self.code, tuple(parts.items()))

    @property
    def singular(self) -> str:
        return self.english if isinstance(self.english, str) else self.english[0]

    @property
    def plural(self) -> str | None:
        return None if isinstance(self.english, str) else self.english[1]


@dataclass(frozen=True, slots=True)
class Text:
    """A message: its code and its parts. `str()` is the English sentence."""

    code: str
    parts: tuple[tuple[str, Part], ...] = ()

    @property
    def kind(self) -> Kind:
        return KINDS[self.code]

    def part(self, name: str) -> Part | None:
        return dict(self.parts).get(name)

    def __str__(self) -> str:
        from quotabulk.domain.amounts import format_amount  # amounts speak in Texts

        return render_with(self, _english_form, format_amount)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "parts": {k: _part_json(v) for k, v in self.parts}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Text:
        parts = data.get("parts") or {}
        return cls(str(data["code"]), tuple((k, _part_of(v)) for k, v in parts.items()))


def render_with(text: Text, template_of: Any, amount_of: Any) -> str:
    """The sentence of `text` with its template chosen by `template_of(kind, n)` and each
    amount written by `amount_of`: the one place parts are put into words."""
    kind = KINDS.get(text.code)
    if kind is None:  # a code of a newer quotabulk in an old one's hands: never lost
        return f"{text.code} {dict(text.parts)}"
    values: dict[str, str] = {}
    for name, value in text.parts:
        if isinstance(value, Text):
            values[name] = render_with(value, template_of, amount_of)
        elif isinstance(value, tuple):
            values[name] = "; ".join(render_with(v, template_of, amount_of) for v in value)
        elif isinstance(value, Decimal):
            values[name] = amount_of(value)
        else:
            values[name] = str(value)
    n = text.part("n")
    template = template_of(kind, int(n) if isinstance(n, int | str) and str(n).isdigit() else 1)
    return str(template).format(**values)


def _english_form(kind: Kind, n: int) -> str:
    if kind.plural is None:
        return kind.singular
    return kind.singular if n == 1 else kind.plural


def _part_json(value: Part) -> Any:
    if isinstance(value, Text):
        return value.to_json()
    if isinstance(value, tuple):
        return [item.to_json() for item in value]
    if isinstance(value, Decimal):
        return {"amount": str(value)}
    return value


def _part_of(value: Any) -> Part:
    if isinstance(value, list):
        return tuple(Text.from_json(item) for item in value)
    if isinstance(value, dict):
        if "amount" in value:
            return Decimal(str(value["amount"]))
        return Text.from_json(value)
    return value if isinstance(value, int) else str(value)


KINDS: dict[str, Kind] = {}


def _kind(code: str, english: str | tuple[str, str]) -> Kind:
    assert code not in KINDS, code
    KINDS[code] = kind = Kind(code, english)
    return kind


# A cell of a row (QB1xx). `value` is the cell as written, quoted.
NOT_AN_AMOUNT = _kind("QB101", N_("{value} is not an amount"))
NEGATIVE = _kind("QB102", N_("{value} is negative; a quota is 0 or more"))
TOO_LARGE = _kind("QB103", N_("{value} is far too large for a quota"))
TOO_MANY_DECIMALS = _kind("QB104", N_("{value} has more than two decimals"))
NO_PHONE = _kind("QB110", N_("the phone number is empty"))
NOT_A_PHONE = _kind("QB111", N_("{value} is not a phone number"))
NOT_RUSSIAN = _kind("QB112", N_("{value} is not a Russian number of 11 digits (7XXXXXXXXXX)"))
THRESHOLD_ABOVE = _kind("QB120", N_("the threshold {warn} is above the limit {limit}"))
NOT_ON_EXCEED = _kind(
    "QB121", N_("{value} is not «блокировка» (block) or «личный счёт» (personal)")
)
NOT_AN_ACTION = _kind("QB122", N_("{value} is not an action; write «удалить» or leave it empty"))
DELETIONS_ONLY = _kind(
    "QB123", N_("there is no limit column, so only deletions can be written here")
)
EMPTY_LIMIT_COLUMN = _kind(
    "QB124",
    N_("the limit is empty; an empty limit never deletes a quota, write «удалить» in «{column}»"),
)
EMPTY_LIMIT = _kind(
    "QB125",
    N_(
        "the limit is empty; an empty limit never deletes a quota, "
        "mark the row with action «delete»"
    ),
)
WRITTEN_TWICE_HERE = _kind(
    "QB130",
    NP_(
        "{msisdn} is written {n} time (here first); keep one row",
        "{msisdn} is written {n} times (here first); keep one row",
    ),
)
WRITTEN_TWICE = _kind(
    "QB131",
    NP_(
        "{msisdn} is written {n} time (first at {first}); keep one row",
        "{msisdn} is written {n} times (first at {first}); keep one row",
    ),
)
NOT_A_SUBSCRIBER = _kind("QB140", N_("{msisdn} is not a subscriber of this account"))
KEEPS_THRESHOLD = _kind(
    "QB141",
    N_(
        "{msisdn} keeps its threshold {warn}, which is above the new limit {limit}; "
        "give the threshold too"
    ),
)
NOT_A_MAPPING = _kind("QB150", N_("entry {index} of `quotas:` is not a mapping"))

ROWS_INVALID = _kind(
    "QB160",
    NP_(
        "{n} input row is invalid; nothing was sent to the operator",
        "{n} input rows are invalid; nothing was sent to the operator",
    ),
)

# Whole-run notices and errors (QB2xx).
STALE_PLAN = _kind(
    "QB201",
    NP_(
        "the saved plan is stale, nothing was sent: {n} subscriber changed since it was "
        "made: {changes}{more}. Make a new plan.",
        "the saved plan is stale, nothing was sent: {n} subscribers changed since it was "
        "made: {changes}{more}. Make a new plan.",
    ),
)
STALE_CHANGED = _kind("QB203", N_("{msisdn} was {before}, now {after}"))
STALE_GONE = _kind("QB204", N_("{msisdn} is no longer on the account"))
AND_MORE = _kind("QB205", N_(" (and {count} more)"))
# Why a row ended as it did (QB24x): the report's «Причина».
REJECTED = _kind("QB240", N_("rejected by the operator"))
UNVERIFIED = _kind(
    "QB241",
    N_(
        "request {request} completed, but the operator could not be read back to verify it; "
        "run again"
    ),
)
CHANGED_AFTER_OURS = _kind(
    "QB242",
    N_(
        "changed by someone else after our request {request} completed: the operator shows "
        "{held}, we set {wanted}"
    ),
)
CHANGED_SINCE_PLAN = _kind(
    "QB247",
    N_(
        "the subscriber changed since the plan was made (another request or tool); nothing "
        "was sent for it: plan again"
    ),
)
NOT_AS_WANTED = _kind("QB243", N_("operator shows {held}, wanted {wanted}"))
NOT_FINAL = _kind("QB244", N_("request {request} is not final yet; run again to follow it"))
NOT_SENT = _kind("QB245", N_("not sent yet; run the same command again to send it"))
NO_ANSWER = _kind("QB246", N_("no answer from the operator ({detail}); run again to re-send it"))
PLANNING_MEMORY = _kind(
    "QB230",
    N_(
        "reading and planning this file needed more memory than a planning process may use "
        "({gb} GB); split it into smaller files"
    ),
)
PLANNING_DIED = _kind(
    "QB231",
    N_(
        "the planning process of this upload stopped before it finished (the file needs more "
        "memory than allowed, or made the reader crash); check the file, or split it"
    ),
)
# A quota in words, as a part of a message: `1500 ₽ (warn at 1200, block)`.
QUOTA = _kind("QB220", N_("{limit} ₽ ({on_exceed})"))
QUOTA_WARN = _kind("QB221", N_("{limit} ₽ (warn at {warn}, {on_exceed})"))
NO_QUOTA = _kind("QB222", N_("no quota"))
BLOCK = _kind("QB223", N_("block"))
PERSONAL = _kind("QB224", N_("personal"))
SANDBOX_TARGET = _kind(
    "QB210", N_("Target: the local sandbox operator in {path} ({variable} is not set).")
)

# A whole file (QB3xx): said after the file's place, `file:sheet: …`.
NO_HEADER = _kind(
    "QB301",
    N_(
        "no header row with a phone-number column (e.g. «Номер», «Телефон») and a limit "
        "(e.g. «Лимит, руб») or action column was found in the first {rows} rows{seen}"
    ),
)
NO_SHEET_HAS_HEADER = _kind("QB300", N_("no sheet has a header row: {detail}"))
ROWS_SEEN = _kind("QB300a", N_("; rows seen: {rows}"))
HEADER_ONLY = _kind(
    "QB302", N_("has a header row but no data rows; an empty input is almost always a mistake")
)
PASSWORD = _kind("QB303", N_("is protected by a password; save a copy without one and use that"))
NOT_TEXT = _kind("QB304", N_("is neither UTF-8 nor Windows-1251 text"))
BINARY_CSV = _kind("QB305", N_("is a binary file, not CSV text; was an .xlsx renamed to .csv?"))
LOOKS_LIKE = _kind(
    "QB306",
    N_(
        "column «{label}» looks like {field} but is not one of its headers; map it with "
        '--columns (`{field}: "{label}"`) or list it under `ignore:` there to leave it '
        "alone on purpose"
    ),
)
UNKNOWN_KIND = _kind("QB307", N_("has an unknown kind; quotabulk reads {known}"))
TWO_ACCOUNTS = _kind("QB308", N_("the inputs name different accounts: {accounts}"))
CANNOT_READ = _kind("QB309", N_("cannot be read: {detail}"))
BAD_CSV = _kind("QB310", N_("is not valid CSV: {detail}"))
BAD_WORKBOOK = _kind("QB311", N_("cannot be read as a {kind} workbook ({detail})"))
OTHER_FORMAT = _kind("QB312", N_("is not a {kind} workbook; was it saved as another format?"))
NO_SUCH_SHEET = _kind("QB313", N_("has no sheet «{sheet}»; its sheets are {sheets}"))
BAD_SHEET = _kind("QB314", N_("cannot be read ({detail})"))
UNPACKS_LARGE = _kind("QB315", N_("unpacks to {mb} MB, too large for a quota list"))
MISSING = _kind("QB316", N_("does not exist"))
NOT_A_FILE = _kind("QB317", N_("is not a file"))
YAML_NOT_UTF8 = _kind("QB320", N_("is not UTF-8 text; is it really a YAML file?"))
NOT_A_DOCUMENT = _kind("QB321", N_("is not a quota document: expected `version: 1` and `quotas:`"))
UNKNOWN_KEY = _kind("QB322", N_("has unknown key '{key}' (known: {known})"))
WRONG_VERSION = _kind("QB323", N_("must say `version: {version}` (found {found})"))
NO_QUOTAS = _kind("QB324", N_("must have a `quotas:` list"))
EMPTY_QUOTAS = _kind(
    "QB325", N_("has an empty `quotas:` list; an empty input is almost always a mistake")
)
DEFAULTS_NOT_MAPPING = _kind(
    "QB326", N_("`defaults:` must be a mapping such as {{on_exceed: block}}")
)
DEFAULTS_KEY = _kind("QB327", N_("`defaults:` cannot set '{key}'"))
DEFAULTS_ON_EXCEED = _kind("QB328", N_("`defaults: on_exceed` {value} is not block or personal"))
DEFAULTS_WARN_AT = _kind("QB329", N_("`defaults: warn_at` {detail}"))
BAD_YAML_AT = _kind("QB330", N_("is not valid YAML at line {line}: {detail}"))
BAD_YAML = _kind("QB331", N_("is not valid YAML: {detail}"))
TOO_DEEP = _kind("QB332", N_("is nested too deeply to be a quota document"))
ALIAS_BOMB = _kind("QB333", N_("expands to too many values (an alias bomb?)"))

# What a reader tells about a file it did read (QB35x): `{where}` is the file's place.
NOT_MANAGED = _kind(  # English says it one way; Russian agrees with the count
    "QB350", NP_("{where}: not managed: {columns}", "{where}: not managed: {columns}")
)
SHEET_SKIPPED = _kind("QB351", N_("{where}: sheet «{sheet}» has no header row and was skipped"))
TOTAL_ROW = _kind("QB352", N_("{where}: a total row («строка итогов»), skipped"))
PERCENT_HEADER = _kind(
    "QB318",
    N_(
        "column «{label}» is in percent, but {field} is an amount in rubles; give it in "
        "rubles, or rename the column"
    ),
)
TWO_COLUMNS_ONE_FIELD = _kind(
    "QB319", N_("columns «{first}» and «{second}» both look like {field}")
)


def C_(context: str, word: str) -> str:
    """Marks a word whose meaning depends on `context` (gettext's `msgctxt`): «pending»
    is «В обработке» as an outcome and «ждёт ответов оператора» as a run's state."""
    del context
    return word

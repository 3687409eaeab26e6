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
from typing import Any, NamedTuple, Union

# A part of a message: a value as written, a count, an amount, a message inside it, or
# several messages (shown joined by "; ").
Part = Union[str, int, Decimal, "Text", tuple["Text", ...]]


def N_(template: str) -> str:
    """Marks an English template for extraction; it is translated when shown."""
    return template


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Marks a singular and plural pair; `n` among the parts picks the form."""
    return singular, plural


class Kind(NamedTuple):
    """One entry of the catalogue: a stable code and its English template(s). A
    NamedTuple: the catalogue builds a few hundred at import, on every command's start."""

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
SCHEDULED_PERIOD = _kind(
    "QB127",
    N_("{day}: {msisdn} {before} → {after} until {end}, then {then} ({source})"),
)
SCHEDULED_CHANGE = _kind("QB128", N_("{day}: {msisdn} {before} → {after} from then on ({source})"))
PLAN_OTHER_DAY = _kind(
    "QB138",
    N_(
        "this plan is for {day} and its inputs have periods: on {today} other rows may hold; "
        "plan again"
    ),
)
ONLY_PERIODS = _kind(
    "QB132",
    N_(
        "{msisdn} has only dated rows: add a row without dates (or «удалить») that says what "
        "holds outside its periods"
    ),
)
TWO_STANDING = _kind(
    "QB133",
    N_("{msisdn} has another row without dates (at {first}); keep one standing row"),
)
PERIODS_OVERLAP = _kind("QB134", N_("its period overlaps the period {period} at {other}"))
NUMBER_IN_DOUBT = _kind(
    "QB135", N_("another row of {msisdn} has a problem with its period; nothing is planned for it")
)
NOT_A_DATE = _kind("QB136", N_("{value} is not a date (write it as 01.12.2026 or 2026-12-01)"))
PERIOD_BACKWARDS = _kind("QB137", N_("the period ends ({end}) before it starts ({start})"))
NOT_A_SUBSCRIBER = _kind("QB140", N_("{msisdn} is not a subscriber of this account"))
KEEPS_THRESHOLD = _kind(
    "QB141",
    N_(
        "{msisdn} keeps its threshold {warn}, which is above the new limit {limit}; "
        "give the threshold too"
    ),
)
NO_THRESHOLD_HERE = _kind(
    "QB143",
    N_("{msisdn}: this operator sets no notification threshold; leave the threshold empty"),
)
VALUE_NOT_OFFERED = _kind(
    "QB144",
    N_("{msisdn}: the operator offers no limit of {limit} ₽ for this rule; it offers {allowed}"),
)
RULE_COPIES = _kind(
    "QB145",
    N_(
        "{msisdn} holds {n} copies of quotabulk's rules; remove the extra ones in the cabinet "
        "(quotabulk leaves this number alone)"
    ),
)
FOREIGN_RULES = _kind(
    "QB146",
    N_("{msisdn} also holds {rules}, which quotabulk does not manage; they are left as they are"),
)
DELETE_WITH_AMOUNT = _kind(
    "QB126",
    N_("the row says «удалить» but also gives an amount in «{column}»; clear one of them"),
)
# A cell the reader must not guess (QB17x): `{cell}` is its address, `Лимиты!D7`.
CELL_ERROR = _kind(
    "QB170", N_("{cell}: the cell shows the error {shown}; correct the formula or type the value")
)
CELL_NO_VALUE = _kind(
    "QB171",
    N_(
        "{cell}: a formula without a saved value; open the file in Excel or LibreOffice and save it"
    ),
)
CELL_PERCENT = _kind(
    "QB172",
    N_(
        "{cell}: the cell shows «{shown}» (a percent format), not an amount in rubles; type "
        "the amount in rubles"
    ),
)
CELL_DATE = _kind(
    "QB173",
    N_(
        "{cell}: the cell shows «{shown}» (a date format), not an amount in rubles; type "
        "the amount in rubles"
    ),
)
CELL_SCALED = _kind(
    "QB174",
    N_(
        "{cell}: the cell shows «{shown}» but holds {value}; give the amount in rubles in a "
        "plain number format"
    ),
)
CELL_MERGED = _kind(
    "QB175",
    N_(
        "{cell} lies inside the merged cell {merge}: it shows that cell's value but holds "
        "none; unmerge it and give each row its own value"
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
# An operator without idempotency keys or one-request edits (QB248–253).
ANSWER_LOST_RESENT = _kind(
    "QB249",
    N_(
        "the operator's answer was lost and the change did not show up within {seconds} s; "
        "sent again"
    ),
)
REMOVED_NOT_CONNECTED = _kind(
    "QB250",
    N_(
        "rule removed, the new one not connected (request {request}: {detail}); the number has "
        "no limit now, and the next run connects it"
    ),
)
COPY_REMOVED = _kind(
    "QB251",
    N_(
        "a second copy of the rule with our value (left by a lost answer of ours, or by another "
        "run at the same moment) is removed by request {request}"
    ),
)
COPY_FOUND = _kind(
    "QB252",
    NP_(
        "the number holds {n} copy of our rule more than it should; not made by this run, "
        "so left as it is",
        "the number holds {n} copies of our rule more than it should; not made by this run, "
        "so left as they are",
    ),
)
CHANGED_BEFORE_SENDING = _kind(
    "QB253",
    N_(
        "the operator shows {held} where the plan expected {planned}; nothing was sent for it: "
        "plan again"
    ),
)
COPY_GONE = _kind(
    "QB254",
    N_(
        "a second copy of the rule with our value was there at read-back and gone when looked "
        "at again: another run removed it"
    ),
)
COPY_REMOVED_BOTH = _kind(
    "QB255",
    N_(
        "request {request} removed a second copy of the rule, and another run removed the other "
        "at the same moment: the number has no limit now, and the next run connects it"
    ),
)
COPY_REMOVAL_OPEN = _kind(
    "QB256",
    N_(
        "a second copy of the rule with our value is being removed by request {request}, not "
        "final yet: the next run shows whether it went"
    ),
)
FOUND_IN_PLACE = _kind(
    "QB257",
    N_(
        "the operator's answer to our request was lost and the change was found in place, so "
        "its request number is not known"
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
HIDDEN_STOP = _kind(
    "QB334",
    N_(
        "{what}; say whether to read what is hidden (--hidden read) or to leave it out "
        "(--hidden skip)"
    ),
)
HIDDEN_ROWS = _kind(
    "QB334a",
    NP_("row {rows} of sheet «{sheet}» is hidden", "rows {rows} of sheet «{sheet}» are hidden"),
)
HIDDEN_MANAGED = _kind(
    "QB334b",
    NP_(
        "managed column {columns} of sheet «{sheet}» is hidden",
        "managed columns {columns} of sheet «{sheet}» are hidden",
    ),
)
NO_LIMIT_COLUMN = _kind(
    "QB335",
    N_(
        "sheet «{sheet}» has phone numbers but no limit column in its header (row {row}); "
        "the closest is «{candidate}»: name it in the mapping file (--columns, "
        '`limit: "{candidate}"`), or leave the sheet out (--sheet, or `sheets:` there)'
    ),
)
NO_HEADER_FOR_PHONES = _kind(
    "QB336",
    N_(
        "sheet «{sheet}» has phone numbers (from row {row}) but no header naming a limit "
        "column above them; add one, or leave the sheet out (--sheet, or the mapping "
        "file's `sheets:`)"
    ),
)
NO_PHONE_HEADER = _kind(
    "QB338",
    N_(
        "sheet «{sheet}» has phone numbers under «{label}» (row {row}), which is not a phone "
        'header; name it in the mapping file (--columns, `msisdn: "{label}"`), or leave the '
        "sheet out (--sheet, or `sheets:` there)"
    ),
)
# The same, for a CSV file: it has no sheets to leave out (its place is said before).
NO_LIMIT_COLUMN_IN_FILE = _kind(
    "QB335f",
    N_(
        "has phone numbers but no limit column in its header (row {row}); the closest is "
        '«{candidate}»: name it in a mapping file (--columns, `limit: "{candidate}"`)'
    ),
)
NO_HEADER_FOR_PHONES_IN_FILE = _kind(
    "QB336f",
    N_("has phone numbers (from row {row}) but no header naming a limit column above them"),
)
NO_PHONE_HEADER_IN_FILE = _kind(
    "QB338f",
    N_(
        "has phone numbers under «{label}» (row {row}), which is not a phone header; name "
        'it in a mapping file (--columns, `msisdn: "{label}"`)'
    ),
)
UNCHECKABLE = _kind(
    "QB337",
    N_(
        "is a {kind} workbook whose error cells and number formats cannot be checked; "
        "save it as .xlsx and use that"
    ),
)
UNKNOWN_KIND = _kind("QB307", N_("has an unknown kind; quotabulk reads {known}"))
CURRENT_ONE_ACCOUNT = _kind(
    "QB479",
    N_(
        "--current holds one account's state, and the inputs name several accounts; plan "
        "them against the operator, or set QUOTABULK_ACCOUNT to plan one"
    ),
)
NOTIFY_BAD_TARGET = _kind(
    "QB480",
    N_(
        "{variable}: '{target}' is neither a mail address (mailto:finance@corp.example) nor "
        "a webhook (https://…)"
    ),
)
NOTIFY_BAD_ADDRESS = _kind("QB481", N_("{variable}: '{target}' is not a mail address"))
NOTIFY_PLAIN_WEBHOOK = _kind(
    "QB482",
    N_("a webhook on {host} must be https (plain http is allowed on loopback only)"),
)
NOTIFY_BAD_SMTP = _kind(
    "QB483",
    N_("{variable} must be smtp://[user@]host[:587] (STARTTLS) or smtps://[user@]host[:465]"),
)
NOTIFY_SMTP_PASSWORD_IN_URL = _kind(
    "QB484",
    N_("{variable} holds a password: put it in the file QUOTABULK_SMTP_PASSWORD_FILE names"),
)
NOTIFY_NO_SERVER = _kind(
    "QB485",
    N_("mail notifications need {variable} (smtp://host:587) and QUOTABULK_MAIL_FROM"),
)
NOTIFY_FAILED = _kind("QB486", N_("the notification to {target} was not sent: {reason}"))
PLAN_OF_ACCOUNTS = _kind(
    "QB308",
    N_("is a plan of several accounts ({accounts}); apply it with `quotabulk apply --plan`"),
)
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
SHEET_SKIPPED = _kind("QB351", N_("{where}: sheet «{sheet}» skipped: it has no phone numbers"))
SHEET_LEFT_OUT = _kind("QB353", N_("{where}: sheet «{sheet}» left out, as the mapping file says"))
HIDDEN_COLUMNS = _kind(
    "QB354",
    NP_(
        "{where}: hidden column {columns}, not managed",
        "{where}: hidden columns {columns}, not managed",
    ),
)
HIDDEN_SKIPPED = _kind(
    "QB355",
    NP_(
        "{where}: hidden row {rows} left out (--hidden skip)",
        "{where}: hidden rows {rows} left out (--hidden skip)",
    ),
)
OTHER_ACCOUNT_ROWS = _kind(
    "QB356",
    NP_(
        "{n} row of account {account} skipped: this run is for {run_account} ({rows})",
        "{n} rows of account {account} skipped: this run is for {run_account} ({rows})",
    ),
)
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


# Errors of a whole command (QB4xx): settings, plans, runs, locks.
CA_NOT_A_FILE = _kind("QB401", N_("{variable} {value} is not a file"))
NOT_WHOLE_MS = _kind("QB402", N_("{variable} must be a whole number of ms"))
NOT_A_DURATION = _kind("QB404", N_("{what}: '{text}' is not a duration such as 90s, 2m or 1h"))
BAD_API_URL = _kind("QB405", N_("{variable} must start with http:// or https:// (got {url})"))
EITHER = _kind("QB499", N_("{first} or {second}"))
BAD_LANG = _kind("QB406", N_("{variable} must be {choices} (got {text})"))
NOT_POSITIVE = _kind("QB407", N_("{what} must be more than 0 (got {text})"))
TOKEN_TWICE = _kind("QB408", N_("set {token} or {token_file}, not both"))
TOKEN_UNREADABLE = _kind("QB409", N_("cannot read {variable} {path}: {detail}"))
TOKEN_NEEDED = _kind(
    "QB410", N_("the operator at {url} needs a token: set {token} or {token_file}")
)
PLAN_OTHER_OPERATOR = _kind(
    "QB411",
    N_(
        "the plan was made for the operator at {planned}, not {url}; "  # (one sentence)
        "plan again against this operator"
    ),
)
PLAN_OTHER_ACCOUNT = _kind("QB412", N_("the plan was made for account {planned}, not {account}"))
RESUME_NOT_APPROVED = _kind(
    "QB413",
    N_(
        "run {run} was started before plans were approved by digest, and four eyes are "
        "required now: it cannot be resumed; plan again and have the plan approved"
    ),
)
PLAN_ACCOUNT_NOT_CONFIGURED = _kind(
    "QB414",
    N_("the plan was made for account {planned} but {variable} is {configured}; nothing was sent"),
)
NO_RUNS_YET = _kind("QB415", N_("no runs yet: {path} does not exist"))
NO_SUCH_RUN = _kind("QB416", N_("no run {run}; `quotabulk runs` lists them"))
MTS_RULES_NEEDED = _kind(
    "QB477",
    N_("set {variable} to the rule's CODE:VERSION; the account offers {available}"),
)
MTS_RULE_UNKNOWN = _kind(
    "QB478",
    N_("{variable} is {value}, which the account does not offer; it offers {available}"),
)
LOCK_LOST = _kind(
    "QB418",
    N_(
        "run {run} lost the account's lock to another process, which carries the run on; "
        "this process stopped sending and changed nothing more"
    ),
)
LOCKED = _kind(
    "QB419",
    N_(
        "another run holds the lock for {account}: {label} by process {pid} on {host} since "
        "{since} (last heartbeat {heartbeat})"
    ),
)
TOO_MANY_PRUNES = _kind(
    "QB420",
    N_(
        "--prune would delete {count} quotas that no input mentions, more than --max-deletes "
        "{most}; check the inputs, or raise --max-deletes to allow it"
    ),
)

# Who may do what (QB43x).
WRONG_PASSWORD = _kind("QB430", N_("wrong user name or password for {name}"))
WRONG_ROLE = _kind("QB431", N_("{name} is a {role}; this needs a {wanted}"))
BAD_USER_NAME = _kind(
    "QB432", N_("a user name is 1–64 letters, digits, '.', '_', '@' or '-' (got {name})")
)
SHORT_PASSWORD = _kind("QB433", N_("a password has at least {count} characters"))
ADMIN_ADDS_USERS = _kind("QB434", N_("only an admin adds users: add --as ADMIN"))
FIRST_IS_ADMIN = _kind(
    "QB435", N_("the first user of a home is its admin: quotabulk users add NAME --role admin")
)
USER_EXISTS = _kind("QB436", N_("there is already a user {name}"))
USER_LOOKALIKE = _kind(
    "QB437",
    N_(
        "{name} looks like the existing user {twin} (letters of another alphabet that look "
        "the same); choose a name nobody can mistake for theirs"
    ),
)
NO_SUCH_USER = _kind("QB438", N_("there is no user {name}"))
NO_SELF_DISABLE = _kind("QB439", N_("an admin cannot disable themselves; ask another admin"))
UNKNOWN_POLICY = _kind("QB440", N_("unknown policy {name}; known: {known}"))
NO_LONGER_SIGNS_IN = _kind("QB441", N_("{name} may no longer sign in"))
NOT_SUBMITTED = _kind(
    "QB442",
    N_(
        "plan {digest} was not submitted by a maker: save it with "
        "`quotabulk plan … --out PLAN.json --as MAKER` first"
    ),
)
OWN_PLAN = _kind("QB443", N_("{name} submitted this plan and cannot approve it: four eyes"))
NO_SUCH_SUBMISSION = _kind("QB444", N_("plan {digest} has no submission {number}"))
NOT_APPROVED = _kind(
    "QB445",
    N_(
        "plan {digest} has no approval by a checker other than its maker (four eyes): a maker "
        "saves it with `quotabulk plan … --out PLAN.json --as NAME`, a checker runs "
        "`quotabulk approve PLAN.json --as NAME`, then `quotabulk apply --plan PLAN.json`; a "
        "plan edited after approval needs a new one"
    ),
)

# A saved plan or a column mapping that cannot be used (QB45x).
PLAN_UNREADABLE = _kind("QB450", N_("is not a plan saved by `quotabulk plan --out`"))
PLAN_OLDER = _kind("QB451", N_("was made by an older quotabulk; plan again with `plan --out`"))
PLAN_OTHER_FORMAT = _kind("QB452", N_("is not a plan of format_version {version}"))
PLAN_DAMAGED = _kind("QB453", N_("is damaged ({detail})"))
PLAN_EDITED = _kind("QB454", N_("was edited after it was saved; make a new one with `plan --out`"))
MAPPING_UNREADABLE = _kind("QB455", N_("cannot read the column mapping {path}: {detail}"))
MAPPING_NOT_LINES = _kind(
    "QB456", N_("{path}: a column mapping is a list of `field: header` lines")
)
MAPPING_IGNORE = _kind("QB457", N_("{path}: 'ignore' must list headers"))
MAPPING_FIELD = _kind("QB458", N_("{path}: unknown field '{key}'; use one of {known}"))
MAPPING_HEADERS = _kind("QB459", N_("{path}: '{key}' must name a header or a list of headers"))
MAPPING_SHEETS = _kind(
    "QB449",
    N_("{path}: 'sheets' must give each sheet `skip` or {{columns: …, account: …}}"),
)
MAPPING_HIDDEN = _kind("QB448", N_("{path}: 'hidden' must be read or skip"))

# More whole-command errors (QB46x): reports, homes, runs, the command line itself.
OPERATOR_GONE = _kind(
    "QB202",
    N_(
        "the operator at {url} gave no good answer for {time} (--operator-timeout); the last "
        "fault: {fault}"
    ),
)
NO_INPUTS = _kind("QB476", N_("name at least one input file ({kinds})"))
REPORT_SUFFIX = _kind("QB460", N_("--report must end in {kinds} (got {name})"))
REPORT_UNWRITTEN = _kind("QB461", N_("the report {path} could not be written: {reason}"))
JOURNAL_NEWER = _kind(
    "QB462",
    N_(
        "{path} was written by a newer quotabulk (journal version {found}, this one knows "
        "{known}); upgrade quotabulk or use another QUOTABULK_HOME"
    ),
)
HOME_NOT_PRIVATE = _kind(
    "QB463", N_("four eyes need a private home, and {found}; nothing was sent")
)
NO_SANDBOX_ACCOUNT = _kind(
    "QB464",
    N_(
        "the local sandbox has no account {account}; create it with `quotabulk sandbox seed "
        "--from FILE` or `quotabulk sandbox seed --subscribers N`"
    ),
)
NO_RUN_IN = _kind("QB465", N_("no run {run} in {path}"))
OUT_SUFFIX = _kind("QB466", N_("--out must end in {kinds} (got {name})"))
NO_TERMINAL = _kind(
    "QB467", N_("there is no terminal to confirm on: add --yes to apply without asking")
)
FILES_OR_PLAN = _kind("QB468", N_("give either FILE... or --plan PLAN.json, not both"))
NO_STDIN_LINE = _kind("QB469", N_("{prompt}: expected a line on standard input, found none"))
BAD_SINCE = _kind("QB470", N_("--since: '{text}' is not a date such as 2026-11-01"))
AS_NEEDS_OUT = _kind("QB471", N_("--as records who prepared a saved plan: add --out PLAN.json"))
SEED_ONE_WAY = _kind("QB472", N_("give either --subscribers N or --from FILE"))
FOUR_EYES_NEEDS_USERS = _kind(
    "QB473",
    N_(
        "--four-eyes needs named users: quotabulk users add NAME --role admin, then makers "
        "and checkers with --as ADMIN"
    ),
)
REMOTE_NEEDS_TLS = _kind(
    "QB474",
    N_(
        "serving on {host} needs a login and TLS: set {variable} (quotabulk serve "
        "--hash-password) and give --ssl-certfile and --ssl-keyfile"
    ),
)
BAD_MSISDN_OPTION = _kind("QB475", N_("--msisdn: {detail}"))

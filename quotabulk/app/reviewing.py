"""Reviewing an upload: read and plan the files in a folder, save what approval runs
(`plan.json`) and every problem (`errors.xlsx`), and give back only what a page shows —
counts, sums, the first rows — whatever the size of the files. The console runs
`plan_upload` in a planning process of its own."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

from quotabulk import redaction
from quotabulk.app.applying import read_saved_plan_parts
from quotabulk.app.holding_plans import holding_json, parts_of, plan_parts
from quotabulk.app.planning import load_options, validate
from quotabulk.app.workspace import Workspace
from quotabulk.config import Settings
from quotabulk.domain.errors import InputError, QuotabulkError
from quotabulk.domain.messages import Text
from quotabulk.domain.models import InvalidRow, Quota
from quotabulk.domain.periods import calendar
from quotabulk.domain.plan import Plan, PlanOptions
from quotabulk.formats.problems import write_problems

PROBLEMS_ON_PAGE = 100
CHANGES_ON_PAGE = 1000  # a page under 1 MB with wide rows; a bigger plan is summed, not listed
STAGE_FILE = ".stage"  # the child says how far it got, in the upload's folder
RETRY_FILE = ".operator-retry"  # touched by the child at every retry of the operator
NOTICES_FILE = "notices.json"  # the readers' notices, for the page of a frozen plan too


@dataclass(frozen=True)
class ShownChange:
    kind: str
    msisdn: str
    source: str
    before: Quota | None
    after: Quota | None
    extras: dict[str, str]


@dataclass(frozen=True)
class ShownAccount:
    """One account of a plan over several: its counts and its sums of limits."""

    account: str
    summary: dict[str, int]
    change_count: int
    limits_before: Decimal
    limits_after: Decimal


@dataclass(frozen=True)
class ShownProblem:
    source: str
    column: str | None
    message: Text | str


@dataclass(frozen=True)
class Shown:
    """What the review page shows of a plan: small, whatever the size of the upload."""

    account: str
    operator_url: str
    digest: str  # of the plan saved beside the upload (plan.json), which approval runs
    rows: int
    summary: dict[str, int]
    changes: list[ShownChange]  # the first CHANGES_ON_PAGE
    change_count: int
    limits_before: Decimal  # over every change
    limits_after: Decimal
    problems: list[ShownProblem]  # the first PROBLEMS_ON_PAGE
    problem_count: int
    invalid_rows: int
    # What the readers said about files they did read: a sheet skipped for want of a
    # header, columns only carried to the report. The CLI prints them on stderr.
    notices: tuple[Text | str, ...] = ()
    # With periods: the changes later days bring, one sentence each, by day.
    schedule: tuple[Text, ...] = ()
    # A plan over several accounts: a section each (the totals are the fields above).
    accounts: tuple[ShownAccount, ...] = ()


def _sums(plan: Plan) -> tuple[Decimal, Decimal]:
    changes = plan.changes
    before = sum((a.before.limit for a in changes if a.before), Decimal(0))
    return before, sum((a.after.limit for a in changes if a.after), Decimal(0))


def _shown(
    plans: Sequence[tuple[str, Plan]],
    url: str,
    digest: str,
    invalid: list[InvalidRow],
    rows: int,
    notices: tuple[Text | str, ...],
    schedule: tuple[Text, ...] = (),
) -> Shown:
    """`plans`: each account's plan (one, or several for a holding)."""
    plan = plans[0][1]
    if len(plans) > 1:
        plan = Plan(tuple(a for _, p in plans for a in p.actions), day=plan.day)
    changes = plan.changes
    problems = (p for row in invalid for p in row.problems)
    accounts = tuple(
        ShownAccount(account, own.summary(), len(own.changes), *_sums(own))
        for account, own in plans
    )
    return Shown(
        ", ".join(account for account, _ in plans),
        url,
        digest,
        rows,
        plan.summary(),
        [
            ShownChange(a.kind.value, a.msisdn, a.source, a.before, a.after, a.extras.as_dict())
            for a in changes[:CHANGES_ON_PAGE]
        ],
        len(changes),
        *_sums(plan),
        [ShownProblem(p.source, p.column, p.text) for p in islice(problems, PROBLEMS_ON_PAGE)],
        sum(len(row.problems) for row in invalid),
        len(invalid),
        notices,
        schedule,
        accounts if len(accounts) > 1 else (),
    )


class PlanningFailed(Exception):
    """A `QuotabulkError` of the child as plain data — its English message, and where and
    what in the catalogue's terms when it has them — so it crosses the process boundary
    whatever the error's own constructor looks like."""

    def __init__(
        self, message: str, where: str | None = None, said: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message, where, said)
        self.message = message
        self.where = where
        self.said = said

    @property
    def text(self) -> Text | None:
        return None if self.said is None else Text.from_json(self.said)


def plan_upload(settings: Settings, folder: Path) -> Shown:
    """In the child: read, plan, save `plan.json` and `errors.xlsx`; return the summary."""
    if settings.token is not None:  # this process blanks the token too
        redaction.register(settings.token.get_secret_value())
    try:
        return _plan_upload(settings, folder)
    except QuotabulkError as exc:
        where = exc.location if isinstance(exc, InputError) else None
        said = None if exc.text is None else exc.text.to_json()
        raise PlanningFailed(redaction.blank(exc.message), where, said) from None


COLUMNS_FILE = "columns.yaml"  # the column mapping chosen in the page (JSON, which is YAML)


def _plan_upload(settings: Settings, folder: Path) -> Shown:
    workspace = Workspace(settings)
    paths = sorted(folder.glob("*/*"))
    mapping = folder / COLUMNS_FILE
    options = load_options(mapping if mapping.exists() else None)
    # Sources name the uploaded files as the user knows them: in the page, the journal
    # and every report, never the server's storage path.
    loaded = validate(paths, options, names=[path.name for path in paths])
    notices = tuple(loaded.notices)
    schedule = calendar(loaded.schedule)
    # What reading found, for the page of the frozen plan too: the checker sees the rows
    # the maker saw (a total row skipped counts as read), the same notices and schedule.
    kept = {
        "rows": loaded.row_count,
        "notices": [notice.to_json() for notice in notices],
        "schedule": [line.to_json() for line in schedule],
    }
    (folder / NOTICES_FILE).write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
    (folder / STAGE_FILE).write_text("planning")

    def on_retry(_exc: BaseException, _wait: float) -> None:
        (folder / RETRY_FILE).touch()

    parts = parts_of(workspace, loaded)
    holding = plan_parts(
        workspace, loaded, parts, PlanOptions(), skip_invalid=True, on_retry=on_retry
    )
    if holding.refused:  # a plan the page cannot show whole is not offered for approval
        raise holding.refused[0][1].error
    body = holding_json(holding)
    with (folder / "plan.json").open("w", encoding="utf-8") as handle:
        json.dump(body, handle, ensure_ascii=False)
    invalid = [*loaded.invalid, *holding.problems()]
    if invalid:
        write_problems(folder / "errors.xlsx", invalid, settings.language)
    plans = [(view.account, view.plan) for view in holding.views]
    url = holding.operator_url
    return _shown(plans, url, body["digest"], invalid, loaded.row_count, notices, schedule)


def frozen_view(frozen: Path, paths: list[Path]) -> Shown:
    """The plan frozen at submission or approval, as the page shows it."""
    saved = read_saved_plan_parts(frozen, ", ".join(path.name for path in paths))
    invalid = list(saved.invalid)
    said = frozen.parent / NOTICES_FILE
    kept = json.loads(said.read_text(encoding="utf-8")) if said.exists() else {}
    if isinstance(kept, list):  # an upload kept by an older quotabulk: its words only
        kept = {"notices": kept}
    rows = int(kept.get("rows", len(saved.plan.actions) + len(saved.invalid)))
    notices = tuple(
        Text.from_json(n) if isinstance(n, dict) else str(n) for n in kept.get("notices", [])
    )
    schedule = tuple(Text.from_json(line) for line in kept.get("schedule", []))
    plans = [(part.account, part.plan) for part in saved.parts]
    return _shown(plans, saved.operator_url, saved.digest, invalid, rows, notices, schedule)


def choose_hidden(folder: Path, choice: str) -> None:
    """Record the page's answer to «the workbook has hidden rows»: `read` or `skip` (the
    mapping file's `hidden:`)."""
    mapping = folder / COLUMNS_FILE
    chosen: dict[str, object] = json.loads(mapping.read_text("utf-8")) if mapping.exists() else {}
    chosen["hidden"] = choice
    mapping.write_text(json.dumps(chosen, ensure_ascii=False), encoding="utf-8")


def choose_sheet(folder: Path, sheet: str, limit: str | None) -> None:
    """Record the page's answer to «sheet X has no limit column»: its limit is the header
    `limit`, or (None) the sheet is left out (the mapping file's `sheets:`)."""
    mapping = folder / COLUMNS_FILE
    chosen: dict[str, Any] = json.loads(mapping.read_text("utf-8")) if mapping.exists() else {}
    sheets = chosen.setdefault("sheets", {})
    sheets[sheet] = "skip" if limit is None else {"columns": {"limit": limit}}
    mapping.write_text(json.dumps(chosen, ensure_ascii=False), encoding="utf-8")


def choose_column(folder: Path, field: str, label: str, *, ignore: bool) -> None:
    """Record the page's answer to «this column looks like a threshold»: map it to the
    field, or leave it alone on purpose (the mapping file's `ignore:`)."""
    mapping = folder / COLUMNS_FILE
    chosen: dict[str, list[str]] = (
        json.loads(mapping.read_text("utf-8")) if mapping.exists() else {}
    )
    key = "ignore" if ignore else field
    chosen.setdefault(key, [])
    if label not in chosen[key]:
        chosen[key].append(label)
    mapping.write_text(json.dumps(chosen, ensure_ascii=False), encoding="utf-8")

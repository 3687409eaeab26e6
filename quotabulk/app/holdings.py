"""Holdings: inputs for several personal accounts (лицевые счета) of a company group, in
one workbook or several files, planned and applied by one command.

A row's account is its account column, its sheet's `account:` in the mapping file or
its YAML document's `account:`; a row without one takes the configured account (or the
token's only one). `QUOTABULK_ACCOUNT` restricts a command to one account: the other
accounts' rows are `skipped` «другой лицевой счёт …» and named.

Each account is planned against its own state and run as its own run under its own lock,
with the exactly-once rules of one account unchanged. One account refused — no access
with this token, locked by another run, its operator down — does not stop the others:
its rows are `failed` with the reason. The command's exit code is the accounts' common
code, else 3 (a partial run); 130 when stopped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, replace

from quotabulk.domain import messages as said
from quotabulk.domain.errors import EXIT_OK, EXIT_ROWS_FAILED, QuotabulkError, RowProblem
from quotabulk.domain.messages import Text
from quotabulk.domain.models import ActionKind, Loaded, SkippedRow
from quotabulk.domain.outcomes import Outcome, RowResult, RunResult, RunStatus
from quotabulk.domain.plan import Plan, PlanOptions
from quotabulk.store.journal import now_iso

OTHER_ACCOUNT_REASON = "другой лицевой счёт {account}"


@dataclass
class Part:
    """The rows of one account, loaded as one input of their own. `account` None: the
    token's only account, known once connected (the inputs name none)."""

    account: str | None
    loaded: Loaded

    @property
    def has_rows(self) -> bool:
        """The inputs have rows of this account (not only other accounts' rows set aside,
        nor only invalid ones): `--prune` touches only such an account."""
        own = self.account
        return bool(self.loaded.rows) or any(s.account == own for s in self.loaded.skipped)

    def options(self, options: PlanOptions) -> PlanOptions:
        """The plan options for this account: no pruning of an account without rows."""
        return options if self.has_rows or not options.prune else replace(options, prune=False)


def needs_default(loaded: Loaded, default: str | None) -> bool:
    """Rows that name no account beside rows that name one, and no configured account:
    only the operator can tell whose the first are (the token's only account)."""
    if default is not None:
        return False
    named = {row.account is not None for row in loaded.rows}
    return named == {True, False}


def split(loaded: Loaded, default: str | None, only: str | None) -> list[Part]:
    """The inputs as one part per account, in the accounts' order; `default`: the account
    of rows that name none; `only` (`QUOTABULK_ACCOUNT`): the one account worked on — the
    others' rows become `skipped` «другой лицевой счёт …» and are named in `notices`.
    Invalid rows, and rows that ask for nothing and name no account (a total row), are
    reported with the default account's part (else the first)."""
    if only:
        _set_aside_others(loaded, default or only, only)
    groups: dict[str | None, Part] = {}

    def part_of(account: str | None) -> Part:
        found = groups.get(account)
        if found is None:
            found = groups[account] = Part(account, _empty_like(loaded))
        return found

    for row in loaded.rows:
        part_of(row.account or default).loaded.rows.append(row)
    for skipped in loaded.skipped:
        if skipped.account is not None and not (only and skipped.account != only):
            part_of(skipped.account).loaded.skipped.append(skipped)
    if not groups:
        part_of(only or default)
    ordered = [groups[key] for key in sorted(groups, key=lambda a: (a is not None, a or ""))]
    home = groups.get(default) or ordered[0]
    home.loaded.invalid.extend(loaded.invalid)
    home.loaded.skipped.extend(
        s for s in loaded.skipped if s.account is None or (only and s.account != only)
    )
    for part in ordered:
        numbers = {row.msisdn for row in part.loaded.rows}
        part.loaded.schedule = [s for s in loaded.schedule if s.msisdn in numbers]
    return ordered


def _empty_like(loaded: Loaded) -> Loaded:
    """A part's `Loaded`: no rows yet, the day and periods of the whole."""
    return Loaded(
        day=loaded.day,
        has_periods=loaded.has_periods,
        same_since=loaded.same_since,
        same_until=loaded.same_until,
        schedule_digest=loaded.schedule_digest,
    )


def _set_aside_others(loaded: Loaded, default: str, only: str) -> None:
    """The rows of accounts other than `only` become `skipped`, named by account (a row
    of another account's period to come too: not this run's to schedule)."""
    loaded.skipped = [
        SkippedRow(
            s.source,
            s.msisdn,
            OTHER_ACCOUNT_REASON.format(account=s.account),
            s.extras,
            None,
            s.account,
        )
        if s.account is not None and s.account != only and s.scheduled is not None
        else s
        for s in loaded.skipped
    ]
    others = [row for row in loaded.rows if (row.account or default) != only]
    if not others:
        return
    set_aside = {id(row) for row in others}
    loaded.rows = [row for row in loaded.rows if id(row) not in set_aside]
    by_account: dict[str, list[str]] = {}
    for row in others:
        account = row.account or default
        reason = OTHER_ACCOUNT_REASON.format(account=account)
        loaded.skipped.append(SkippedRow(row.source, row.msisdn, reason, row.extras, None, account))
        by_account.setdefault(account, []).append(row.source)
    for other, sources in sorted(by_account.items()):
        shown = ", ".join(sources[:5]) + (" …" if len(sources) > 5 else "")
        loaded.notices.append(
            said.OTHER_ACCOUNT_ROWS(account=other, run_account=only, rows=shown, n=len(sources))
        )


def common_exit_code(codes: Sequence[int]) -> int:
    """The accounts' common exit code when they all agree, else 3 (a partial run)."""
    if not codes:
        return EXIT_OK
    return codes[0] if len(set(codes)) == 1 else EXIT_ROWS_FAILED


@dataclass(frozen=True)
class Refusal:
    """An account that did not run, and why (its rows are `failed` with the reason)."""

    account: str
    error: QuotabulkError

    @property
    def exit_code(self) -> int:
        return self.error.exit_code

    @property
    def reason(self) -> Text | str:
        """Why, in the catalogue's terms when it has them (the report's language)."""
        return self.error.text or self.error.message


def refused_result(
    part: Part,
    account: str,
    reason: Text | str,
    operator_url: str,
    inputs: tuple[str, ...],
    plan: Plan | None = None,
) -> RunResult:
    """The rows of an account that did not run: when it was planned, every action of its
    plan (prunes too) `failed` with the reason — unchanged ones as they are — and the rows
    planning found invalid; else every row `failed`, its state never read. Invalid and
    skipped rows as they are."""
    rows: list[RowResult] = []
    if plan is not None:
        for action in plan.actions:
            if action.kind is ActionKind.UNCHANGED:
                rows.append(RowResult.planned(action, Outcome.UNCHANGED))
            else:
                rows.append(_said(RowResult.planned(action, Outcome.FAILED, str(reason)), reason))
        rows += [RowResult.invalid(r) for r in plan.problems]
    else:
        for row in part.loaded.rows:
            found = RowResult.skipped(
                row.source, row.msisdn, row.extras, str(reason), state_known=False
            )
            rows.append(_said(dataclasses.replace(found, outcome=Outcome.FAILED), reason))
    rows += [RowResult.invalid(r) for r in part.loaded.invalid]
    rows += [RowResult.set_aside(s) for s in part.loaded.skipped]
    stamp = now_iso()
    return RunResult("-", account, operator_url, inputs, stamp, stamp, RunStatus.FAILED, rows)


def _said(row: RowResult, reason: Text | str) -> RowResult:
    """The reason kept in the catalogue's terms too: the report says it in its language."""
    return dataclasses.replace(row, said=(RowProblem(row.source, None, reason),))

"""Rows that name another personal account than the run's (an account column, a sheet's
`account:` in the mapping file). Until one command runs every account of a workbook, a
run works on one account: the others' rows are never reported as "not a subscriber of
this account" — they are `skipped` «другой лицевой счёт ACC-…» and named, and a strict run
stops on them before anything is sent."""

from __future__ import annotations

from quotabulk.domain import messages as said
from quotabulk.domain.errors import RowProblem, ValidationFailed
from quotabulk.domain.models import InvalidRow, Loaded, SkippedRow

OTHER_ACCOUNT_REASON = "другой лицевой счёт {account}"


def keep_own_account(loaded: Loaded, account: str | None, *, skip_invalid: bool) -> None:
    """Set aside the rows of other accounts than `account` (None: not known before the
    operator is asked; nothing is set aside)."""
    if not account:
        return
    others = [row for row in loaded.rows if row.account and row.account != account]
    if not others:
        return
    if not skip_invalid:
        raise ValidationFailed.of_rows(
            InvalidRow(
                row.source,
                row.msisdn,
                (
                    RowProblem(
                        row.source,
                        None,
                        said.OTHER_ACCOUNT(
                            msisdn=row.msisdn, account=row.account or "", run_account=account
                        ),
                    ),
                ),
                row.extras,
            )
            for row in others
        )
    set_aside = {id(row) for row in others}
    loaded.rows = [row for row in loaded.rows if id(row) not in set_aside]
    by_account: dict[str, list[str]] = {}
    for row in others:
        assert row.account is not None
        reason = OTHER_ACCOUNT_REASON.format(account=row.account)
        loaded.skipped.append(SkippedRow(row.source, row.msisdn, reason, row.extras))
        by_account.setdefault(row.account, []).append(row.source)
    for other, sources in sorted(by_account.items()):
        shown = ", ".join(sources[:5]) + (" …" if len(sources) > 5 else "")
        loaded.notices.append(
            said.OTHER_ACCOUNT_ROWS(account=other, run_account=account, rows=shown, n=len(sources))
        )

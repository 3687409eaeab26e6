"""Where a run's report goes and how it is written, for every face alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from quotabulk.app.workspace import Workspace
from quotabulk.domain.language import Language
from quotabulk.domain.outcomes import RunResult
from quotabulk.formats import reports
from quotabulk.store.journal import Journal


@dataclass(frozen=True)
class ReportRequest:
    """`path` None: a new file under `$QUOTABULK_HOME/reports/`, never overwriting one."""

    path: Path | None = None
    suffix: str = ".xlsx"
    csv_delimiter: str = ";"
    note: str | None = None
    lang: Language | None = None  # None: the workspace's (QUOTABULK_LANG, else Russian)


def check_report_path(path: Path) -> None:
    """Refuse a report file of a kind quotabulk does not write, before anything is sent."""
    reports.check_report_path(path)


def default_report_path(workspace: Workspace, account: str, run_id: str, suffix: str) -> Path:
    """`<account>-<UTC time to the millisecond>-<run id>.<ext>`."""
    now = datetime.now(UTC)
    stamp = now.strftime("%Y%m%dT%H%M%S") + f".{now.microsecond // 1000:03d}Z"
    folder = workspace.settings.home / "reports"
    return folder / f"{account or 'account'}-{stamp}-{run_id}{suffix}"


def write_run_report(
    workspace: Workspace, result: RunResult, request: ReportRequest, journal: Journal | None = None
) -> Path:
    """Write the report; with a journal, remember where it went."""
    lang = request.lang or workspace.settings.language
    url = result.operator_url or workspace.settings.operator_url
    meta = reports.ReportMeta(url, request.note, lang)
    if request.path is not None:
        written = reports.write_report(result, request.path, meta, request.csv_delimiter)
    else:
        target = default_report_path(
            workspace, _accounts_label(result), result.run_id.split(", ")[0], request.suffix
        )
        written = reports.write_report(result, target, meta, request.csv_delimiter, exclusive=True)
    if journal is not None and result.run_id:
        journal.set_report(result.run_id, str(written))
    return written


def _accounts_label(result: RunResult) -> str:
    """The account in a report's name; several accounts: `ACC-1+ACC-2+ACC-3`, or the
    first three and how many more."""
    accounts = [part.account for part in result.parts] or [result.account]
    shown = "+".join(accounts[:3])
    return shown if len(accounts) <= 3 else f"{shown}+{len(accounts) - 3}"

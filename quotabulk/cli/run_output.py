"""How a finished run is shown: counts, then the rows that need a person's attention."""

from __future__ import annotations

import json

import click

from quotabulk.app.runs import run_json
from quotabulk.domain.models import describe_quota
from quotabulk.domain.outcomes import RowResult, RunResult

MAX_ROWS_SHOWN = 50


def echo_run(
    result: RunResult,
    output_format: str,
    *,
    all_rows: bool = False,
    stats: dict[str, float] | None = None,
) -> None:
    if output_format == "json":
        body = run_json(result, all_rows=all_rows)
        if stats is not None:
            body["stats"] = stats
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    rows = list(result.rows) if all_rows else [r for r in result.rows if not r.outcome.good]
    for row in rows[:MAX_ROWS_SHOWN]:
        click.echo(_row_line(row))
    if len(rows) > MAX_ROWS_SHOWN:
        click.echo(
            f"… and {len(rows) - MAX_ROWS_SHOWN} more (see `quotabulk show {result.run_id}`)"
        )
    click.echo(result.summary_line())


def _row_line(row: RowResult) -> str:
    request = f" {row.request_id}" if row.request_id else ""
    error = f": {row.error}" if row.error else ""
    change = ""
    if row.action in ("add", "edit", "delete"):
        change = f" {describe_quota(row.before)} → {describe_quota(row.after)}"
    head = f"{row.outcome.value:<9} {row.msisdn or '-':<11} {row.action:<9}"
    return f"{head}{request}{change}  [{row.source}]{error}"

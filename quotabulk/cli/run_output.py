"""How a finished run is shown: counts, then the rows that need a person's attention."""

from __future__ import annotations

import json

import click

from quotabulk.app.runs import run_json
from quotabulk.app.words import action_word, outcome_word, reason
from quotabulk.cli.render import quota_words
from quotabulk.cli.speech import _, lang, run_counts
from quotabulk.domain.language import Language
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
    rows = list(result.rows) if all_rows else [r for r in result.rows if r.outcome.needs_attention]
    for row in rows[:MAX_ROWS_SHOWN]:
        click.echo(_row_line(row))
    if len(rows) > MAX_ROWS_SHOWN:
        more = _("… and {n} more (see `quotabulk show {run}`)")
        click.echo(more.format(n=len(rows) - MAX_ROWS_SHOWN, run=result.run_id))
    for part in result.parts:  # several accounts: each one's run, then all of them
        click.echo(f"{part.account}: {run_summary(part)}")
    click.echo(run_summary(result))


def run_summary(result: RunResult) -> str:
    """`Run 2026…: 9 applied, 1 rejected.`; in Russian `Запуск 2026…: Применено 9, …`."""
    counts = run_counts(result) or _("no rows")
    return _("Run {run}: {counts}.").format(run=result.run_id, counts=counts)


def _row_line(row: RowResult) -> str:
    request = f" {row.request_id}" if row.request_id else ""
    why = reason(row, lang())
    error = f": {why}" if why else ""
    change = ""
    if row.action in ("add", "edit", "delete"):
        change = f" {quota_words(row.before)} → {quota_words(row.after)}"
    english = lang() is Language.EN
    outcome = row.outcome.value if english else outcome_word(row.outcome, lang())
    action = row.action.value if english else action_word(row.action, lang())
    head = f"{outcome:<9} {row.msisdn or '-':<11} {action:<9}"
    return f"{head}{request}{change}  [{row.source}]{error}"

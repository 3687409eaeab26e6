"""What a report says about its run besides the rows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from quotabulk import __version__
from quotabulk.domain.language import DEFAULT_LANGUAGE, Language
from quotabulk.domain.models import ActionKind
from quotabulk.domain.outcomes import RunResult


@dataclass(frozen=True)
class ReportMeta:
    operator_url: str
    note: str | None = None  # e.g. "dry run: nothing was sent"
    lang: Language = DEFAULT_LANGUAGE  # of the .xlsx and .csv; JSON is always English

    @property
    def safe_url(self) -> str:
        """The operator URL without any user:password part."""
        parts = urlsplit(self.operator_url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, "", ""))


def summary(result: RunResult, meta: ReportMeta) -> dict[str, Any]:
    actions = Counter(row.action for row in result.rows)
    return {
        "run_id": result.run_id,
        "account": result.account,
        "operator": meta.safe_url,
        "inputs": list(result.inputs),
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "status": result.status.value,
        "rows": len(result.rows),
        "outcomes": result.counts(),
        "actions": {kind.value: actions.get(kind, 0) for kind in ActionKind},
        "note": meta.note,
        "quotabulk_version": __version__,
        **({"accounts": [account_summary(part) for part in result.parts]} if result.parts else {}),
    }


def account_summary(part: RunResult) -> dict[str, Any]:
    """One account of a command over several: its run and its counts."""
    return {
        "account": part.account,
        "run_id": part.run_id,
        "status": part.status.value,
        "rows": len(part.rows),
        "outcomes": part.counts(),
    }

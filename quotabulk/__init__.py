"""quotabulk: declarative bulk operations on mobile-operator quotas.

The public API, for scripts and for the two faces (the CLI and the console)::

    import quotabulk
    workspace = quotabulk.Workspace(quotabulk.load_settings())
    loaded = quotabulk.validate([Path("quotas.xlsx")])
    view = quotabulk.plan_loaded(workspace, loaded, quotabulk.PlanOptions(), skip_invalid=False)

Names are imported on first use, so `import quotabulk` (and `quotabulk validate`) does
not pay for the HTTP client or the web stack.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0"

_EXPORTS = {
    "ApiError": "quotabulk.domain.errors",
    "InputError": "quotabulk.domain.errors",
    "QuotabulkError": "quotabulk.domain.errors",
    "Loaded": "quotabulk.formats.inputs",
    "LoadOptions": "quotabulk.formats.inputs",
    "Operator": "quotabulk.operator.port",
    "Outcome": "quotabulk.domain.outcomes",
    "Plan": "quotabulk.domain.plan",
    "PlanOptions": "quotabulk.domain.plan",
    "Quota": "quotabulk.domain.models",
    "RowResult": "quotabulk.domain.outcomes",
    "RunResult": "quotabulk.domain.outcomes",
    "Settings": "quotabulk.config",
    "Subscriber": "quotabulk.domain.models",
    "Workspace": "quotabulk.app.workspace",
    "dry_run": "quotabulk.app.reconciling",
    "export": "quotabulk.app.exporting",
    "files_spec": "quotabulk.app.applying",
    "history": "quotabulk.app.exporting",
    "list_runs": "quotabulk.app.runs",
    "load_settings": "quotabulk.config",
    "plan_loaded": "quotabulk.app.planning",
    "read_saved_plan": "quotabulk.app.applying",
    "rebuild_report": "quotabulk.app.runs",
    "run": "quotabulk.app.applying",
    "saved_plan_spec": "quotabulk.app.applying",
    "show_run": "quotabulk.app.runs",
    "validate": "quotabulk.app.planning",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'quotabulk' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__

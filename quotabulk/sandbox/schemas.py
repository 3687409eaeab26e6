"""Generate the JSON files under `schemas/` from the models: `python -m quotabulk.sandbox.schemas`.

A test regenerates them in memory and fails when the committed files are stale.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from quotabulk.formats.document import desired_state_schema_text


def operator_api_schema_text() -> str:
    """The OpenAPI document of the sandbox app: the operator API contract."""
    import tempfile

    from quotabulk.sandbox.app import create_app
    from quotabulk.sandbox.store import SandboxStore

    with tempfile.TemporaryDirectory() as folder:
        store = SandboxStore(Path(folder) / "schema.db")
        try:
            document = create_app(store, "unused").openapi()
        finally:
            store.close()
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


SCHEMAS: dict[str, Callable[[], str]] = {
    "desired-state.json": desired_state_schema_text,
    "operator-api.json": operator_api_schema_text,
}


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, render in SCHEMAS.items():
        path = folder / name
        path.write_text(render(), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_schemas(Path(__file__).resolve().parents[2] / "schemas"):
        print(path)

"""Generate the JSON files under `schemas/` from the models: `python -m quotabulk.schemas_gen`.

A test regenerates them in memory and fails when the committed files are stale.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from quotabulk.document import desired_state_schema_text

SCHEMAS: dict[str, Callable[[], str]] = {
    "desired-state.json": desired_state_schema_text,
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
    for path in write_schemas(Path(__file__).resolve().parent.parent / "schemas"):
        print(path)

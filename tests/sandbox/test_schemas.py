from __future__ import annotations

from pathlib import Path

import pytest

from quotabulk.sandbox.schemas import SCHEMAS

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schema_is_generated_from_the_models(name: str) -> None:
    committed = (SCHEMA_DIR / name).read_text("utf-8")
    assert committed == SCHEMAS[name](), f"schemas/{name} is stale: run `make schemas`"

"""The public API, as httpx tests its own: every name in `__all__` is there and is
documented, and nothing is exported by accident."""

from __future__ import annotations

import inspect

import pytest

import quotabulk


@pytest.mark.parametrize("name", sorted(set(quotabulk.__all__) - {"__version__"}))
def test_every_exported_name_resolves_and_is_documented(name: str) -> None:
    member = getattr(quotabulk, name)
    assert inspect.getdoc(member), f"quotabulk.{name} has no docstring"


def test_the_exported_names_are_exactly_the_public_api() -> None:
    assert quotabulk.__all__ == ["__version__", *sorted(set(quotabulk.__all__) - {"__version__"})]
    assert set(dir(quotabulk)) == set(quotabulk.__all__)
    with pytest.raises(AttributeError):
        _ = quotabulk.not_a_name  # type: ignore[attr-defined]


def test_importing_the_package_stays_light() -> None:
    import subprocess
    import sys

    heavy = "('httpx', 'fastapi', 'rich', 'structlog')"
    code = f"import quotabulk, sys; print(sorted(m for m in {heavy} if m in sys.modules))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"

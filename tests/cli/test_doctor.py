"""`quotabulk doctor --operator` against the embedded sandbox (our own dialect): one call
of each read, the raw answers printed, nothing changed."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import EXAMPLES, CliResult


def test_doctor_operator_shows_the_sandboxs_raw_answers(cli: Callable[..., CliResult]) -> None:
    assert cli("sandbox", "seed", "--from", EXAMPLES / "current.yaml").code == 0
    result = cli("doctor", "--operator")
    assert result.code == 0, result.out + result.err
    assert "/subscribers → 200" in result.out
    assert "/requests → 200" in result.out
    assert "no-such-request → 404" in result.out
    assert '"items"' in result.out


def test_doctor_operator_says_when_a_read_is_refused(cli: Callable[..., CliResult]) -> None:
    result = cli("doctor", "--operator")  # the sandbox holds no account yet
    assert result.code == 1
    assert "→ 404" in result.out
    assert "refused or did not answer a read" in result.err

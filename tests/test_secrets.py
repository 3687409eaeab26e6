"""The operator token never reaches disk, output, errors or help."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.test_validate import ALL_EXAMPLES
from tests.conftest import EXAMPLES, CliResult
from tests.live import live_sandbox

SECRET = "tok-SECRET-9b1f27c4e0"


def test_the_token_appears_nowhere(
    tmp_path: Path,
    quotabulk_home: Path,
    cli: Callable[..., CliResult],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert cli("sandbox", "seed", "--from", EXAMPLES / "current.yaml").code == 0
    token_file = tmp_path / "token"
    token_file.write_text(SECRET + "\n", encoding="utf-8")
    db = quotabulk_home / "sandbox.db"
    with live_sandbox(db) as live:
        monkeypatch.setenv("QUOTABULK_API_URL", live.url)
        monkeypatch.setenv("QUOTABULK_TOKEN_FILE", str(token_file))
        # The live sandbox expects its own token: the first run is refused, then the right one.
        refused = cli("apply", "--yes", *ALL_EXAMPLES)
        token_file.write_text(live.token, encoding="utf-8")
        applied = cli("apply", "--yes", *ALL_EXAMPLES)
    assert refused.code == 1
    assert applied.code == 0, applied.err
    outputs = [refused.out, refused.err, applied.out, applied.err]
    outputs += [cli(c, "--help").out for c in ("apply", "plan", "export", "history", "sandbox")]
    for text in outputs:
        assert SECRET not in text
        assert live.token not in text
    for path in quotabulk_home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert SECRET.encode() not in data, path
            assert live.token.encode() not in data, path

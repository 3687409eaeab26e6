"""TLS is always verified, the sandbox keeps to loopback, YAML builds no objects."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import trustme
import yaml

from quotabulk.cli.sandbox import serve_command
from quotabulk.formats.inputs import yaml_safe
from tests.conftest import EXAMPLES, CliResult
from tests.live import live_sandbox


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path, Path]:
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1")
    chain, key, ca = tmp_path / "chain.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    certificate.private_key_and_cert_chain_pem.write_to_path(str(chain))
    certificate.private_key_pem.write_to_path(str(key))
    authority.cert_pem.write_to_path(str(ca))
    return chain, key, ca


@pytest.mark.slow
def test_an_untrusted_certificate_is_refused_and_a_ca_bundle_trusts_it(
    tls_files: tuple[Path, Path, Path],
    cli: Callable[..., CliResult],
    monkeypatch: pytest.MonkeyPatch,
    quotabulk_home: Path,
    tmp_path: Path,
) -> None:
    chain, key, ca = tls_files
    assert cli("sandbox", "seed", "--from", EXAMPLES / "current.yaml").code == 0
    with live_sandbox(quotabulk_home / "sandbox.db", tls=(chain, key)) as live:
        monkeypatch.setenv("QUOTABULK_API_URL", live.url)
        monkeypatch.setenv("QUOTABULK_TOKEN", live.token)
        refused = cli("export", "--out", tmp_path / "a.csv")
        assert refused.code == 1
        assert "TLS certificate is not trusted" in refused.err
        monkeypatch.setenv("QUOTABULK_CA_BUNDLE", str(ca))
        trusted = cli("export", "--out", tmp_path / "b.csv")
    assert trusted.code == 0, trusted.err
    assert (tmp_path / "b.csv").exists()


def test_sandbox_serve_binds_to_loopback_unless_told() -> None:
    host = next(p for p in serve_command.params if p.name == "host")
    assert host.default == "127.0.0.1"


def test_help_shows_no_token(
    cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUOTABULK_TOKEN", "tok-help-leak-42")
    for command in (["sandbox", "serve"], ["apply"], ["reconcile"], ["export"]):
        assert "tok-help-leak-42" not in cli(*command, "--help").out


def test_yaml_is_read_only_with_a_safe_loader() -> None:
    assert issubclass(yaml_safe._SafeLoader, yaml.constructor.SafeConstructor)
    assert not issubclass(yaml_safe._SafeLoader, yaml.constructor.FullConstructor)

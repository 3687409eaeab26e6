"""The use cases both faces call, tested directly (no CLI, no console) against the
embedded sandbox: what the faces may rely on, whatever renders it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from quotabulk.app import applying, exporting, people, reconciling, reviewing, runs
from quotabulk.app.planning import load_options, plan_body, plan_loaded, validate
from quotabulk.app.reports import ReportRequest
from quotabulk.app.workspace import Workspace
from quotabulk.config import load_settings
from quotabulk.domain.errors import AccessDenied, DecisionTaken, UsageError
from quotabulk.domain.plan import PlanOptions
from quotabulk.domain.running import ExecuteOptions, ProgressSink
from tests.conftest import EXAMPLES, CliResult

SHEET = EXAMPLES / "quotas.csv"
FAST = ExecuteOptions(rate_limit=100, poll_first_s=0.05, poll_tail_s=0.05)


@pytest.fixture
def space(cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("QUOTABULK_SANDBOX_PROCESSING_MS", "30")
    assert cli("sandbox", "seed", "--from", EXAMPLES / "current.yaml").code == 0
    return Workspace(load_settings())


def test_validate_and_plan_name_every_change(space: Workspace) -> None:
    loaded = validate([SHEET], load_options(None))
    assert not loaded.invalid
    view = plan_loaded(space, loaded, PlanOptions(), skip_invalid=False)
    assert view.account == "ACC-100200"
    assert view.plan.summary() == {"add": 1, "edit": 1, "delete": 0, "unchanged": 2}
    body = plan_body(view)
    assert body["summary"] == view.plan.summary()
    assert len(body["digest"]) == 64


def test_a_run_applies_reports_and_is_found_again(space: Workspace, tmp_path: Path) -> None:
    loaded = validate([SHEET])
    spec = applying.files_spec("apply", (str(SHEET),), loaded, PlanOptions(), skip_invalid=False)
    report = tmp_path / "report.json"
    done = applying.run(
        space, None, spec, FAST, ProgressSink(), lambda *_: True, ReportRequest(report)
    )
    assert done.exit_code == 0
    assert done.result is not None
    assert done.result.counts()["applied"] == 2
    assert done.report == report
    [summary] = runs.run_summaries(space)
    assert summary.run_id == done.result.run_id
    assert summary.counts() == done.result.counts()
    assert runs.run_status(space, summary.run_id).ended
    found = exporting.history(space)
    assert len(found.requests) == 2
    assert not found.from_journal  # our operator keeps its own history
    dry = reconciling.dry_run(space, loaded, PlanOptions(), (str(SHEET),))
    assert dry.counts()["unchanged"] == 4  # nothing is left to do


def test_export_writes_what_the_operator_holds(space: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "now.yaml"
    account, count = exporting.export(space, out)
    assert (account, count) == ("ACC-100200", len(validate([out]).rows))


def test_a_submission_gets_one_decision(space: Workspace) -> None:
    admin = people.Credentials("root", "root-password")
    maker = people.Credentials("anna", "anna-password")
    checker = people.Credentials("boris", "boris-password")
    people.add_user(space, admin.name, people.Role.ADMIN, admin.password, None)
    people.add_user(space, maker.name, people.Role.MAKER, maker.password, admin)
    people.add_user(space, checker.name, people.Role.CHECKER, checker.password, admin)
    people.submit_plan(space, "d" * 64, maker, {})
    with pytest.raises(AccessDenied, match="anna is a maker"):
        people.decide(space, "d" * 64, maker, approve=True)
    assert people.decide(space, "d" * 64, checker, approve=False) == "boris"
    with pytest.raises(DecisionTaken, match="already declined by boris"):
        people.decide(space, "d" * 64, checker, approve=True)
    with pytest.raises(AccessDenied, match="no approval"):
        people.require_approval(space, "d" * 64)
    with pytest.raises(UsageError, match="looks like the existing user anna"):
        people.add_user(space, "аnna", people.Role.MAKER, "x-password", admin)  # Cyrillic а


def test_an_upload_is_reviewed_in_a_folder(space: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "upload"
    (folder / "0").mkdir(parents=True)
    (folder / "0" / SHEET.name).write_bytes(SHEET.read_bytes())
    shown = reviewing.plan_upload(space.settings, folder)
    assert shown.summary == {"add": 1, "edit": 1, "delete": 0, "unchanged": 2}
    assert [c.source for c in shown.changes] == ["quotas.csv:4", "quotas.csv:5"]
    saved = applying.read_saved_plan_parts(folder / "plan.json")
    assert saved.digest == shown.digest
    applying.refuse_if_stale_now(space, saved)  # nothing changed meanwhile

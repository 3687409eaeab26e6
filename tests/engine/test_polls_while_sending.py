"""While requests are being sent, status polls take sends' places under the rate limit:
they thin out instead of keeping a steady beat."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import quotabulk
from quotabulk.domain.models import Quota, Subscriber
from quotabulk.domain.running import ExecuteOptions, ProgressSink
from quotabulk.sandbox.store import Behaviour, SandboxStore
from tests.live import live_sandbox

ACC = "ACC-POLLS"


def test_polls_thin_out_while_sending(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    numbers = [str(79160000000 + i) for i in range(40)]
    db = tmp_path / "sandbox.db"
    store = SandboxStore(db)
    store.reset_account(ACC, [Subscriber(n, Quota(Decimal(100))) for n in numbers])
    store.close()
    sheet = tmp_path / "q.csv"
    sheet.write_text("Номер;Лимит\n" + "".join(f"{n};250\n" for n in numbers), encoding="utf-8")
    # 40 sends at 20/s take 2 s; each answer is final 50 ms after its request.
    options = ExecuteOptions(concurrency=1, rate_limit=20, poll_first_s=0.1, poll_max_s=1.0)
    with live_sandbox(db, Behaviour(processing_ms=50)) as live:
        monkeypatch.setenv("QUOTABULK_API_URL", live.url)
        monkeypatch.setenv("QUOTABULK_TOKEN", live.token)
        monkeypatch.setenv("QUOTABULK_ACCOUNT", ACC)
        space = quotabulk.Workspace(quotabulk.load_settings())
        loaded = quotabulk.validate([sheet])
        spec = quotabulk.files_spec(
            "apply", (str(sheet),), loaded, quotabulk.PlanOptions(), skip_invalid=False
        )
        done = quotabulk.run(space, None, spec, options, ProgressSink(), lambda *_: True)
    assert done.result is not None
    assert {row.outcome.value for row in done.result.rows} == {"applied"}
    # Every poll finds answers. On a steady 0.1 s beat, 2 s of sending is 13-20 polls;
    # thinned out (after 0.1, 0.25, 0.48, 0.81, 1.3, 2.1 s, then every 1 s) it is about 6,
    # plus a tail poll or two. The bound grows with the sending time of a loaded machine.
    assert done.stats["status_calls"] <= 8 + done.stats["sending_s"]

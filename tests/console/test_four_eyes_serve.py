"""Four eyes against a real `quotabulk serve --four-eyes`, with several people at once, as
a team would try to walk around it: an old tab, two checkers deciding together, a
password changed from the CLI meanwhile, a guesser with a forged header, a page on
another port, a crowd of idle connections. Requests are counted at the sandbox."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.conftest import EXAMPLES, CliResult
from tests.console.served import (
    ADMIN,
    CHECKERS,
    MAKER,
    add_team,
    browser,
    close_browsers,  # noqa: F401 - a fixture: closes every client a test opened
    csrf,
    form_value,
    serving,
    signed_in,
    submitted_upload,
)
from tests.engine.test_apply import history

pytestmark = pytest.mark.slow
BORIS, VERA = CHECKERS


@pytest.fixture
def team_home(quotabulk_home: Path, cli: Callable[..., CliResult]) -> Path:
    assert cli("sandbox", "seed", "--from", EXAMPLES / "current.yaml").code == 0
    add_team(quotabulk_home)
    return quotabulk_home


def decisions(home: Path) -> list[tuple[str, str]]:
    db = sqlite3.connect(home / "journal.db")
    try:
        rows = db.execute(
            "SELECT event, user FROM audit WHERE event IN ('approved', 'declined') ORDER BY id"
        ).fetchall()
    finally:
        db.close()
    return [(str(event), str(user)) for event, user in rows]


def decide(client: httpx.Client, review: str, page: str, decision: str) -> httpx.Response:
    return client.post(
        f"{review}/decide",
        data={
            "csrf": form_value(page, "csrf"),
            "fingerprint": form_value(page, "fingerprint"),
            "submission": form_value(page, "submission"),
            "decision": decision,
            "reviewed": "true",
        },
    )


def qb(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QUOTABULK_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "quotabulk", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_a_plan_declined_then_approved_from_an_old_tab_sends_nothing(team_home: Path) -> None:
    with serving(team_home, "--four-eyes") as (base, _):
        maker = signed_in(base, MAKER)
        review = submitted_upload(maker, EXAMPLES / "quotas.csv")
        boris, vera = signed_in(base, BORIS), signed_in(base, VERA)
        old_tab = vera.get(review).text  # opened before the decline
        assert decide(boris, review, boris.get(review).text, "decline").status_code == 303
        late = decide(vera, review, old_tab, "approve")
        assert late.status_code == 409
        assert "отклонил(а) boris" in late.text
        assert 'id="submission" class="declined"' in maker.get(review).text
    assert history(team_home) == []
    assert decisions(team_home) == [("declined", "boris")]


def test_an_approval_stands_against_a_late_decline(team_home: Path) -> None:
    with serving(team_home, "--four-eyes") as (base, _):
        maker = signed_in(base, MAKER)
        review = submitted_upload(maker, EXAMPLES / "quotas.csv")
        boris, vera = signed_in(base, BORIS), signed_in(base, VERA)
        old_tab = vera.get(review).text
        approved = decide(boris, review, boris.get(review).text, "approve")
        assert approved.status_code == 303
        late = decide(vera, review, old_tab, "decline")
        assert late.status_code == 409
        assert "подтвердил(а) boris" in late.text
        job = str(approved.headers["location"])
        deadline = time.monotonic() + 60
        while not boris.get(f"{job}/state").json()["done"]:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        page = maker.get(review).text
        assert 'class="approved"' in page
        assert "declined" not in page  # a decline is never shown for a plan that ran
    assert len(history(team_home)) == 2
    assert decisions(team_home) == [("approved", "boris")]


def test_four_decisions_at_once_take_exactly_one(team_home: Path) -> None:
    with serving(team_home, "--four-eyes") as (base, _):
        maker = signed_in(base, MAKER)
        review = submitted_upload(maker, EXAMPLES / "quotas.csv")
        boris, vera = signed_in(base, BORIS), signed_in(base, VERA)
        pages = {id(boris): boris.get(review).text, id(vera): vera.get(review).text}
        tries = [(boris, "approve"), (vera, "decline"), (boris, "approve"), (vera, "approve")]
        answers: list[int] = []
        start = threading.Barrier(len(tries))

        def one(client: httpx.Client, decision: str) -> None:
            start.wait()
            answers.append(decide(client, review, pages[id(client)], decision).status_code)

        threads = [threading.Thread(target=one, args=attempt) for attempt in tries]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert sorted(answers) == [303, 409, 409, 409]
        [(event, _)] = decisions(team_home)
        if event == "approved":  # the run of the one approval, and nothing else
            deadline = time.monotonic() + 60
            while len(history(team_home)) < 2:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        time.sleep(1)  # anything a second decision might have started would show now
    assert len(history(team_home)) == (2 if event == "approved" else 0)


def test_a_password_change_or_a_disable_from_the_cli_ends_the_sessions(team_home: Path) -> None:
    with serving(team_home, "--four-eyes") as (base, _):
        maker = signed_in(base, MAKER)
        vera = signed_in(base, VERA)
        token = csrf(maker, "/")
        assert maker.get("/").status_code == 200
        new = "anna-new-password"
        changed = qb(
            team_home, "users", "passwd", MAKER.name, stdin=f"{MAKER.password}\n{new}\n{new}\n"
        )
        assert changed.returncode == 0, changed.stderr
        gone = maker.get("/")
        assert gone.status_code == 303
        assert gone.headers["location"] == "/login?ended=1"  # and the page says so
        files = [("files", ("q.csv", (EXAMPLES / "quotas.csv").read_bytes()))]
        assert maker.post("/upload", files=files, data={"csrf": token}).status_code == 303
        assert not list((team_home / "console").glob("*/meta.json"))  # nothing uploaded
        disabled = qb(
            team_home,
            "users",
            "disable",
            VERA.name,
            "--as",
            ADMIN.name,
            stdin=f"{ADMIN.password}\n",
        )
        assert disabled.returncode == 0, disabled.stderr
        for path in ("/approvals", "/runs", "/"):
            assert vera.get(path).status_code == 303, path  # reads nothing


def test_a_forged_forwarded_for_buys_no_guesses(team_home: Path) -> None:
    with serving(team_home, "--four-eyes") as (base, _):
        client = browser(base)
        codes = []
        for n in range(12):
            token = csrf(client)
            answer = client.post(
                "/login",
                data={"csrf": token, "name": f"user{n}", "password": "guess-guess"},
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
            )
            codes.append(answer.status_code)
        assert codes[:5] == [401] * 5
        assert set(codes[5:]) == {429}  # the address is 127.0.0.1, whatever the header says


def from_address(base: str, address: str) -> httpx.Client:
    return browser(base, transport=httpx.HTTPTransport(local_address=address))


def try_sign_in(client: httpx.Client, name: str, password: str) -> int:
    token = csrf(client)
    answer = client.post("/login", data={"csrf": token, "name": name, "password": password})
    return answer.status_code


def test_a_guesser_slows_a_name_down_but_locks_out_only_their_own_address(
    team_home: Path,
) -> None:
    with serving(team_home, "--four-eyes") as (base, _):
        guesser = from_address(base, "127.0.0.2")
        assert [try_sign_in(guesser, BORIS.name, "guess-guess") for _ in range(5)] == [401] * 5
        assert try_sign_in(guesser, BORIS.name, BORIS.password) == 429  # this address waits
        # From another address the name is slowed down, each wait twice the last.
        other = from_address(base, "127.0.0.3")
        deadline = time.monotonic() + 120
        for _ in range(4):
            while try_sign_in(other, BORIS.name, "guess-guess") == 429:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        # Nine failures: Boris at his own desk waits 16 s for his name, not 15 min …
        desk = from_address(base, "127.0.0.4")
        assert try_sign_in(desk, BORIS.name, BORIS.password) == 429
        # … unless the admin lifts it.
        unlocked = qb(
            team_home,
            "users",
            "unlock",
            BORIS.name,
            "--as",
            ADMIN.name,
            stdin=f"{ADMIN.password}\n",
        )
        assert unlocked.returncode == 0, unlocked.stderr
        assert "9 failed sign-ins forgotten" in unlocked.stdout
        assert try_sign_in(desk, BORIS.name, BORIS.password) == 303
        assert try_sign_in(guesser, BORIS.name, BORIS.password) == 429  # the guesser's address


def test_a_post_from_another_port_is_refused_before_the_csrf_check(team_home: Path) -> None:
    with serving(team_home, "--four-eyes") as (base, _):
        maker = signed_in(base, MAKER)
        token = csrf(maker, "/")
        files = [("files", ("q.csv", (EXAMPLES / "quotas.csv").read_bytes()))]
        other = base.rsplit(":", 1)[0] + ":19301"
        refused = maker.post(
            "/upload", files=files, data={"csrf": token}, headers={"Origin": other}
        )
        assert refused.status_code == 403
        assert refused.text == "cross-origin request refused"
        own = maker.post("/upload", files=files, data={"csrf": token}, headers={"Origin": base})
        assert own.status_code == 303


def _limit_descriptors() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))


def test_idle_connections_from_many_addresses_leave_a_signed_in_page_answering(
    team_home: Path,
) -> None:
    """2 000 idle connections against a server of 1 024 descriptors: without the caps
    it runs out of them and nobody is answered."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < 4096:
        pytest.skip("this test needs 4096 descriptors of its own")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 4096), hard))
    with serving(team_home, "--four-eyes", preexec=_limit_descriptors) as (base, _):
        maker = signed_in(base, MAKER)
        port = int(base.rsplit(":", 1)[1])
        crowd: list[socket.socket] = []
        try:
            for n in range(2000):
                sock = socket.socket()
                sock.bind((f"127.0.0.{2 + n % 200}", 0))
                sock.setblocking(False)
                sock.connect_ex(("127.0.0.1", port))
                if n % 3 == 0:
                    with contextlib.suppress(OSError):
                        sock.send(b"GET / HTTP/1.1\r\n")  # a request line, and no more
                crowd.append(sock)
            time.sleep(1)
            began = time.monotonic()
            answer = maker.get("/")
            took = time.monotonic() - began
            print(f"a signed-in page beside 2 000 idle connections: {took * 1000:.0f} ms")
            assert answer.status_code == 200
            assert 'id="who"' in answer.text
        finally:
            for sock in crowd:
                sock.close()


def test_a_half_sent_request_is_closed(team_home: Path) -> None:
    with serving(team_home) as (base, _):
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            sock.sendall(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
            began = time.monotonic()
            assert sock.recv(100) == b""  # the server hung up
            print(f"a half-sent request closed after {time.monotonic() - began:.1f} s")


def test_a_maker_submits_only_their_own_upload(team_home: Path, tmp_path: Path) -> None:
    from quotabulk.app import people
    from quotabulk.app.workspace import Workspace
    from quotabulk.config import load_settings

    other = people.Credentials("gleb", "gleb-password")
    people.add_user(
        Workspace(load_settings()), other.name, people.Role.MAKER, other.password, ADMIN
    )
    with serving(team_home, "--four-eyes") as (base, _):
        anna, gleb = signed_in(base, MAKER), signed_in(base, other)
        files = [("files", ("q.csv", (EXAMPLES / "quotas.csv").read_bytes()))]
        uploaded = anna.post("/upload", files=files, data={"csrf": csrf(anna, "/")})
        review = str(uploaded.headers["location"])
        deadline = time.monotonic() + 60
        while not gleb.get(f"{review}/state").json()["done"]:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        page = gleb.get(review).text
        taken = gleb.post(
            f"{review}/submit",
            data={
                "csrf": form_value(page, "csrf"),
                "fingerprint": form_value(page, "fingerprint"),
                "reviewed": "true",
            },
        )
        assert taken.status_code == 403
        boris = signed_in(base, BORIS)
        refused = boris.post("/upload", files=files, data={"csrf": csrf(boris, "/")})
        assert refused.status_code == 403  # with four eyes, a maker uploads
    meta = [json.loads(p.read_text()) for p in (team_home / "console").glob("*/meta.json")]
    assert [m["uploaded_by"] for m in meta] == ["anna"]


def test_a_plan_stale_at_approval_is_declined_with_the_reason_not_left_waiting(
    team_home: Path, text_file: Callable[..., Path]
) -> None:
    with serving(team_home, "--four-eyes") as (base, _):
        maker = signed_in(base, MAKER)
        review = submitted_upload(maker, EXAMPLES / "quotas.csv")
        boris = signed_in(base, BORIS)
        page = boris.get(review).text
        # Someone changes a subscriber of the plan at the operator meanwhile.
        other = text_file("other.csv", "Номер;Лимит\n79161000002;999\n")
        assert qb(team_home, "apply", "--yes", str(other)).returncode == 0
        refused = decide(boris, review, page, "approve")
        assert refused.status_code == 409
        assert "план устарел, ничего не отправлено" in refused.text
        assert "у 79161000002 было 1\u00a0000 ₽ (личный счёт), стало 999 ₽" in refused.text
        assert 'id="none-pending"' in boris.get("/approvals").text  # nothing left waiting
        assert 'id="submission" class="declined"' in maker.get(review).text
    assert decisions(team_home) == [("declined", "boris")]
    assert len(history(team_home)) == 1  # only the other apply's request


def test_the_checker_sees_the_rows_the_maker_saw(
    team_home: Path, text_file: Callable[..., Path]
) -> None:
    sheet = text_file("total.csv", "Номер;Лимит\n79161000002;1200\n79161000003;700\nИтого;1900\n")
    with serving(team_home, "--four-eyes") as (base, _):
        maker = signed_in(base, MAKER)
        review = submitted_upload(maker, sheet)
        boris = signed_in(base, BORIS)
        said = "Строк прочитано: 3, с ошибками: 0."
        assert said in maker.get(review).text
        assert said in boris.get(review).text


def test_after_a_restart_a_page_says_why_it_asks_to_sign_in_again(team_home: Path) -> None:
    with serving(team_home, "--four-eyes") as (base, _):
        maker = signed_in(base, MAKER)
        old_form = maker.get("/").text
    with serving(team_home, "--four-eyes") as (base, _):  # a new process, a new secret
        maker._base_url = httpx.URL(base)  # the same browser, its cookie kept
        files = [("files", ("q.csv", (EXAMPLES / "quotas.csv").read_bytes()))]
        posted = maker.post("/upload", files=files, data={"csrf": form_value(old_form, "csrf")})
        assert posted.status_code == 303
        assert posted.headers["location"] == "/login?ended=1"
        login = maker.get("/login?ended=1").text
        assert "Сеанс завершён (или сервер перезапущен). Войдите снова." in login
        assert 'href="/runs"' not in login  # no menu for someone not signed in
        assert "Выйти" not in login

"""The annotation server as users run it (`toolkit annotate serve` on loopback): confirmed submissions
survive `kill -9`, and 20 annotators submitting in parallel lose, duplicate or fail nothing."""

from __future__ import annotations

import re
import signal
import sqlite3
import threading
import time
from pathlib import Path

import httpx

from tests.annotate_fixtures import csrf_of, free_port, start_server, write_tasks
from toolkit.annotate.store import Store

ANNOTATORS = 20
JUDGEMENTS_EACH = 50


def login(base: str, token: str) -> tuple[httpx.Client, httpx.Response]:
    client = httpx.Client(base_url=base, timeout=60, follow_redirects=True)
    page = client.get("/login")
    return client, client.post("/login", data={"token": token, "csrf": csrf_of(page.text)})


def test_confirmed_submissions_survive_a_kill_of_the_server(tmp_path: Path) -> None:
    tasks = [{"id": f"t{i}", "kind": "rank", "prompt": f"prompt {i}", "responses": [f"yes {i}", f"no {i}"]} for i in range(3)]
    db = tmp_path / "a.sqlite"
    token = Store(db).add_annotator("fl-1", None)
    port = free_port()
    server = start_server(db, port, tasks=write_tasks(tmp_path / "tasks.jsonl", tasks))
    try:
        client, page = login(f"http://127.0.0.1:{port}", token)
        confirmed = []
        for _ in range(2):
            task_id = re.search(r'action="/task/([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            page = client.post(f"/task/{task_id}", data={"csrf": csrf_of(page.text), "choice": "left", "rationale": "clear"})
            assert f"Saved: {task_id}" in page.text
            confirmed.append(task_id)
        server.send_signal(signal.SIGKILL)  # no shutdown hook runs
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    with sqlite3.connect(db) as check:
        stored = [row[0] for row in check.execute("SELECT task_id FROM judgements ORDER BY id")]
    assert stored == confirmed


def test_twenty_annotators_submitting_in_parallel_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    tasks = [{"id": f"t{i}", "kind": "rank", "prompt": f"prompt {i}", "responses": [f"good {i}", f"bad {i}"]}
             for i in range(JUDGEMENTS_EACH)]
    db = tmp_path / "load.sqlite"
    store = Store(db)
    tokens = [store.add_annotator(f"fl-{n}", None) for n in range(ANNOTATORS)]
    port = free_port()
    # every annotator may judge every task; the rate bound is raised for the load
    server = start_server(db, port, "--overlap", str(ANNOTATORS), "--max-per-minute", "1000",
                          tasks=write_tasks(tmp_path / "tasks.jsonl", tasks))
    confirmed: dict[str, list[str]] = {}
    errors: list[str] = []

    def annotate(token: str, name: str) -> None:
        try:
            client, page = login(f"http://127.0.0.1:{port}", token)
            done = []
            while (found := re.search(r'action="/task/([^"]+)"', page.text)) is not None:
                task_id = found.group(1)
                page = client.post(f"/task/{task_id}", data={"csrf": csrf_of(page.text), "choice": "right",
                                                             "rationale": f"{name} judged {task_id}"})
                if page.status_code != 200 or f"Saved: {task_id}" not in page.text:
                    errors.append(f"{name} {task_id}: HTTP {page.status_code}")
                    return
                done.append(task_id)
            confirmed[name] = done
        except Exception as exc:  # noqa: BLE001 - reported by the test below
            errors.append(f"{name}: {exc!r}")

    started = time.monotonic()
    try:
        threads = [threading.Thread(target=annotate, args=(token, f"fl-{n}")) for n, token in enumerate(tokens)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    finally:
        server.terminate()
        server.wait(timeout=30)
    elapsed = time.monotonic() - started
    assert not errors, errors[:5]
    assert sorted(confirmed) == sorted(f"fl-{n}" for n in range(ANNOTATORS))
    assert all(len(ids) == JUDGEMENTS_EACH == len(set(ids)) for ids in confirmed.values())
    with sqlite3.connect(db) as check:
        total = check.execute("SELECT COUNT(*) FROM judgements").fetchone()[0]
        distinct = check.execute("SELECT COUNT(DISTINCT task_id || '|' || annotator_id) FROM judgements").fetchone()[0]
        handed = check.execute("SELECT COUNT(*) FROM assignments").fetchone()[0]
    assert total == distinct == handed == ANNOTATORS * JUDGEMENTS_EACH
    print(f"{total} judgements from {ANNOTATORS} parallel annotators in {elapsed:.1f} s ({total / elapsed:.0f}/s)")

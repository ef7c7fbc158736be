"""Test helpers for the annotation app: task files, a logged-in test client, a served app on loopback."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from safety.config import SafetyConfig
from toolkit.annotate.app import AppSettings, create_app
from toolkit.annotate.store import Store
from toolkit.annotate.tasks import AnnotationTask, iter_task_file

HOSTILE = "<script>alert('x')</script>"
RULES_ONLY = SafetyConfig(classifiers={"rules": True, "toxicity": False, "semantic": False})
TASKS: list[dict[str, Any]] = [
    {"id": "rank-1", "kind": "rank", "use_case": "proposal_writing",
     "prompt": f"Job: Shopify store redesign {HOSTILE}",
     "responses": ["Hi Dana, I rebuilt three Shopify stores last year; here is my plan.",
                   f"i can do it cheap {HOSTILE}"]},
    {"id": "rank-2", "kind": "rank", "use_case": "job_post",
     "prompt": "Draft a job post for a logo designer.",
     "responses": ["We need a logo designer for a bakery rebrand; budget $500.", "need logo asap"]},
    {"id": "write-1", "kind": "write", "use_case": "help_center_qa",
     "prompt": "How do I withdraw my earnings?", "draft": "idk, ask support"},
]


def write_tasks(path: Path, tasks: list[dict[str, Any]] | None = None) -> Path:
    path.write_text("".join(json.dumps(t) + "\n" for t in (tasks or TASKS)), encoding="utf-8")
    return path


def make_store(tmp_path: Path, tasks: list[dict[str, Any]] | None = None, overlap: int = 2) -> Store:
    store = Store(tmp_path / "annotations.sqlite")
    store.add_tasks(iter_task_file(write_tasks(tmp_path / "tasks.jsonl", tasks)), overlap)
    return store


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:2000]
    return found.group(1)


class Annotating:
    """A logged-in annotator driving the app through Starlette's TestClient."""

    def __init__(self, store: Store, token: str, settings: AppSettings | None = None, app: Any = None):
        self.client = TestClient(app or create_app(store.path, settings), raise_server_exceptions=False)
        login = self.client.get("/login")
        self.page = self.client.post("/login", data={"token": token, "csrf": csrf_of(login.text)})
        assert self.page.status_code == 200, self.page.text

    @property
    def csrf(self) -> str:
        return csrf_of(self.page.text)

    def current_task_id(self) -> str | None:
        found = re.search(r'action="/task/([^"]+)"', self.page.text)
        return found.group(1) if found else None

    def submit(self, task_id: str, **form: Any) -> Any:
        self.page = self.client.post(f"/task/{task_id}", data={"csrf": self.csrf, **form})
        return self.page

    def next(self) -> Any:
        self.page = self.client.get("/task")
        return self.page


def task_of(store: Store, task_id: str) -> AnnotationTask:
    task = store.task(task_id)
    assert task is not None
    return task


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(db: Path, port: int, *extra: str, tasks: Path | None = None) -> subprocess.Popen[bytes]:
    """`python -m toolkit annotate serve` on loopback; returns once /healthz answers."""
    import httpx

    command = [sys.executable, "-m", "toolkit", "annotate", "serve", *([str(tasks)] if tasks else []),
               "--db", str(db), "--port", str(port), *extra]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not start in 60 s")

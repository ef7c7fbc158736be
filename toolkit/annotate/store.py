"""The annotation database: SQLite in WAL mode, one short connection per request.

Durability: `synchronous=FULL` and a commit before the page confirms, so a submission the annotator
saw confirmed survives a crash or `kill -9` of the server. Hand-out: an annotator gets a task at most
once (primary key on task + annotator in `assignments`), inside an IMMEDIATE transaction so two
requests can never race to the same slot. Tokens are stored as SHA-256 hashes only.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from toolkit.annotate.tasks import AnnotationTask
from toolkit.core.errors import UserInputError

SCHEMA_VERSION = 1
SESSION_SECONDS = 12 * 3600
_SCHEMA = """
CREATE TABLE IF NOT EXISTS annotators (
    id TEXT PRIMARY KEY, expertise TEXT, token_hash TEXT UNIQUE NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, position INTEGER NOT NULL, wanted INTEGER NOT NULL,
    payload TEXT NOT NULL, added_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS assignments (
    task_id TEXT NOT NULL REFERENCES tasks(id), annotator_id TEXT NOT NULL REFERENCES annotators(id),
    swapped INTEGER NOT NULL, assigned_at TEXT NOT NULL, PRIMARY KEY (task_id, annotator_id));
CREATE TABLE IF NOT EXISTS judgements (
    id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL, annotator_id TEXT NOT NULL,
    kind TEXT NOT NULL, choice TEXT, swapped INTEGER NOT NULL, harm_categories TEXT NOT NULL,
    rationale TEXT, answer TEXT, created_at TEXT NOT NULL, created_ts REAL NOT NULL,
    UNIQUE (task_id, annotator_id));
CREATE INDEX IF NOT EXISTS judgements_by_annotator_time ON judgements (annotator_id, created_ts);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY, annotator_id TEXT NOT NULL, csrf TEXT NOT NULL, expires_ts REAL NOT NULL);
CREATE TABLE IF NOT EXISTS quarantine (
    judgement_id INTEGER PRIMARY KEY, record TEXT NOT NULL, reasons TEXT NOT NULL, checked_at TEXT NOT NULL);
"""


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Annotator:
    id: str
    expertise: str | None
    is_admin: bool


@dataclass(frozen=True)
class Assignment:
    """A task handed to one annotator; `swapped` says the pair is shown right-to-left for them."""

    task: AnnotationTask
    swapped: bool


@dataclass(frozen=True)
class Judgement:
    id: int
    task_id: str
    annotator_id: str
    kind: str
    choice: str | None  # rank/study: "first" / "second" (task order, not screen order), "tie", "both_bad"
    swapped: bool
    harm_categories: dict[str, list[str]]  # "first" / "second" (task order) -> categories ticked
    rationale: str | None
    answer: str | None
    created_at: str


class Store:
    """All reads and writes of one annotation database file."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if self.path.parent and not self.path.parent.exists():
            raise UserInputError(str(self.path), "the database's folder does not exist")
        with self.connect() as db:
            db.executescript(_SCHEMA)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in WAL mode; committed on success, rolled back on error, always closed."""
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA busy_timeout=30000")
            yield db
        finally:
            db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT: writers queue up instead of deadlocking on upgrade."""
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # ------------------------------------------------------------ annotators and sessions
    def add_annotator(self, annotator_id: str, expertise: str | None, is_admin: bool = False) -> str:
        """Create an annotator; returns their login token (shown once, stored hashed)."""
        if not annotator_id.strip() or len(annotator_id) > 100:
            raise UserInputError("ID", "an annotator id is 1 to 100 characters")
        token = secrets.token_urlsafe(24)
        try:
            with self.transaction() as db:
                db.execute(
                    "INSERT INTO annotators (id, expertise, token_hash, is_admin, created_at) VALUES (?, ?, ?, ?, ?)",
                    (annotator_id, expertise, hash_secret(token), int(is_admin), now_iso()),
                )
        except sqlite3.IntegrityError:
            raise UserInputError("ID", f"annotator {annotator_id!r} already exists") from None
        return token

    def annotator_by_token(self, token: str) -> Annotator | None:
        with self.connect() as db:
            row = db.execute(
                "SELECT id, expertise, is_admin FROM annotators WHERE token_hash = ?", (hash_secret(token),)
            ).fetchone()
        return Annotator(row[0], row[1], bool(row[2])) if row else None

    def annotators(self) -> list[Annotator]:
        with self.connect() as db:
            rows = db.execute("SELECT id, expertise, is_admin FROM annotators ORDER BY id").fetchall()
        return [Annotator(r[0], r[1], bool(r[2])) for r in rows]

    def open_session(self, annotator_id: str) -> tuple[str, str]:
        """A new session id and its CSRF token; only the session id's hash is stored."""
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.transaction() as db:
            db.execute("DELETE FROM sessions WHERE expires_ts < ?", (time.time(),))
            db.execute(
                "INSERT INTO sessions (id_hash, annotator_id, csrf, expires_ts) VALUES (?, ?, ?, ?)",
                (hash_secret(session_id), annotator_id, csrf, time.time() + SESSION_SECONDS),
            )
        return session_id, csrf

    def session(self, session_id: str) -> tuple[Annotator, str] | None:
        """The annotator and CSRF token of a live session."""
        with self.connect() as db:
            row = db.execute(
                "SELECT a.id, a.expertise, a.is_admin, s.csrf FROM sessions s JOIN annotators a ON a.id = s.annotator_id "
                "WHERE s.id_hash = ? AND s.expires_ts >= ?",
                (hash_secret(session_id), time.time()),
            ).fetchone()
        return (Annotator(row[0], row[1], bool(row[2])), row[3]) if row else None

    def close_session(self, session_id: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM sessions WHERE id_hash = ?", (hash_secret(session_id),))

    # ------------------------------------------------------------ tasks
    def add_tasks(self, tasks: Iterable[AnnotationTask], wanted: int) -> tuple[int, int]:
        """Load tasks; a task already loaded with the same content is skipped, with other content is an
        error (judgements refer to it). Returns (added, already there)."""
        if wanted < 1:
            raise UserInputError("--overlap", "at least 1 annotator per task")
        added = existing = 0
        with self.transaction() as db:
            position = db.execute("SELECT COALESCE(MAX(position), 0) FROM tasks").fetchone()[0]
            for task in tasks:
                payload = task.model_dump_json()
                row = db.execute("SELECT payload FROM tasks WHERE id = ?", (task.id,)).fetchone()
                if row is not None:
                    if row[0] != payload:
                        raise UserInputError(f"task {task.id}", "already loaded with different content; give it a new id")
                    existing += 1
                    continue
                position += 1
                db.execute(
                    "INSERT INTO tasks (id, kind, position, wanted, payload, added_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (task.id, task.kind, position, wanted, payload, now_iso()),
                )
                added += 1
        return added, existing

    def task(self, task_id: str) -> AnnotationTask | None:
        with self.connect() as db:
            row = db.execute("SELECT payload FROM tasks WHERE id = ?", (task_id,)).fetchone()
        return AnnotationTask.model_validate_json(row[0]) if row else None

    def tasks(self) -> list[AnnotationTask]:
        with self.connect() as db:
            rows = db.execute("SELECT payload FROM tasks ORDER BY position").fetchall()
        return [AnnotationTask.model_validate_json(r[0]) for r in rows]

    def next_assignment(self, annotator_id: str) -> Assignment | None:
        """The annotator's open task, or a new one they never had that still needs judgements
        (fewest hand-outs first, then file order). None when nothing is left for them."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT t.payload, a.swapped FROM assignments a JOIN tasks t ON t.id = a.task_id "
                "WHERE a.annotator_id = ? AND NOT EXISTS (SELECT 1 FROM judgements j WHERE j.task_id = a.task_id "
                "AND j.annotator_id = a.annotator_id) ORDER BY a.assigned_at, t.position LIMIT 1",
                (annotator_id,),
            ).fetchone()
            if row is not None:
                return Assignment(AnnotationTask.model_validate_json(row[0]), bool(row[1]))
            row = db.execute(
                "SELECT t.id, t.payload FROM tasks t LEFT JOIN assignments a ON a.task_id = t.id "
                "GROUP BY t.id HAVING COUNT(a.annotator_id) < t.wanted "
                "AND SUM(CASE WHEN a.annotator_id = ? THEN 1 ELSE 0 END) = 0 "
                "ORDER BY COUNT(a.annotator_id), t.position LIMIT 1",
                (annotator_id,),
            ).fetchone()
            if row is None:
                return None
            swapped = secrets.randbelow(2) == 1
            db.execute(
                "INSERT INTO assignments (task_id, annotator_id, swapped, assigned_at) VALUES (?, ?, ?, ?)",
                (row[0], annotator_id, int(swapped), now_iso()),
            )
            return Assignment(AnnotationTask.model_validate_json(row[1]), swapped)

    def assignment(self, annotator_id: str, task_id: str) -> tuple[Assignment, bool] | None:
        """A task handed to this annotator, and whether they already submitted it."""
        with self.connect() as db:
            row = db.execute(
                "SELECT t.payload, a.swapped, EXISTS (SELECT 1 FROM judgements j WHERE j.task_id = a.task_id "
                "AND j.annotator_id = a.annotator_id) FROM assignments a JOIN tasks t ON t.id = a.task_id "
                "WHERE a.annotator_id = ? AND a.task_id = ?",
                (annotator_id, task_id),
            ).fetchone()
        if row is None:
            return None
        return Assignment(AnnotationTask.model_validate_json(row[0]), bool(row[1])), bool(row[2])

    # ------------------------------------------------------------ judgements
    def recent_submissions(self, annotator_id: str, seconds: float) -> int:
        with self.connect() as db:
            return db.execute(
                "SELECT COUNT(*) FROM judgements WHERE annotator_id = ? AND created_ts >= ?",
                (annotator_id, time.time() - seconds),
            ).fetchone()[0]

    def submit(
        self,
        annotator_id: str,
        task: AnnotationTask,
        swapped: bool,
        choice: str | None,
        harm_categories: dict[str, list[str]],
        rationale: str | None,
        answer: str | None,
    ) -> int | None:
        """Record a judgement (committed when this returns); None if the annotator already submitted it."""
        try:
            with self.transaction() as db:
                cursor = db.execute(
                    "INSERT INTO judgements (task_id, annotator_id, kind, choice, swapped, harm_categories, rationale, "
                    "answer, created_at, created_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (task.id, annotator_id, task.kind, choice, int(swapped), json.dumps(harm_categories), rationale,
                     answer, now_iso(), time.time()),
                )
                return int(cursor.lastrowid or 0)
        except sqlite3.IntegrityError:
            return None

    def import_judgement(
        self, annotator_id: str, task: AnnotationTask, choice: str | None, harm_categories: dict[str, list[str]],
        rationale: str | None, answer: str | None, created_at: str | None = None,
    ) -> bool:
        """Record a judgement made elsewhere (Label Studio) with its hand-out, so the task is never
        handed to that annotator again; False if they already judged it."""
        with self.transaction() as db:
            exists = db.execute(
                "SELECT 1 FROM judgements WHERE task_id = ? AND annotator_id = ?", (task.id, annotator_id)
            ).fetchone()
            if exists:
                return False
            db.execute(
                "INSERT OR IGNORE INTO assignments (task_id, annotator_id, swapped, assigned_at) VALUES (?, ?, 0, ?)",
                (task.id, annotator_id, now_iso()),
            )
            db.execute(
                "INSERT INTO judgements (task_id, annotator_id, kind, choice, swapped, harm_categories, rationale, "
                "answer, created_at, created_ts) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?)",
                (task.id, annotator_id, task.kind, choice, json.dumps(harm_categories), rationale, answer,
                 created_at or now_iso(), time.time()),
            )
        return True

    def has_annotator(self, annotator_id: str) -> bool:
        with self.connect() as db:
            return db.execute("SELECT 1 FROM annotators WHERE id = ?", (annotator_id,)).fetchone() is not None

    def judgements(self, annotator_id: str | None = None) -> list[Judgement]:
        query = ("SELECT id, task_id, annotator_id, kind, choice, swapped, harm_categories, rationale, answer, created_at "
                 "FROM judgements")
        params: tuple[Any, ...] = ()
        if annotator_id is not None:
            query += " WHERE annotator_id = ?"
            params = (annotator_id,)
        with self.connect() as db:
            rows = db.execute(query + " ORDER BY id", params).fetchall()
        return [Judgement(r[0], r[1], r[2], r[3], r[4], bool(r[5]), json.loads(r[6]), r[7], r[8], r[9]) for r in rows]

    # ------------------------------------------------------------ quarantine and progress
    def replace_quarantine(self, entries: list[tuple[int, dict[str, Any], list[dict[str, Any]]]]) -> None:
        """The quarantine of the latest export: judgement id, the record as built, the gate's reasons."""
        checked = now_iso()
        with self.transaction() as db:
            db.execute("DELETE FROM quarantine")
            db.executemany(
                "INSERT INTO quarantine (judgement_id, record, reasons, checked_at) VALUES (?, ?, ?, ?)",
                [(jid, json.dumps(record, ensure_ascii=False), json.dumps(reasons, ensure_ascii=False), checked)
                 for jid, record, reasons in entries],
            )

    def quarantine(self) -> list[dict[str, Any]]:
        with self.connect() as db:
            rows = db.execute(
                "SELECT q.judgement_id, j.annotator_id, j.task_id, q.record, q.reasons, q.checked_at "
                "FROM quarantine q JOIN judgements j ON j.id = q.judgement_id ORDER BY q.judgement_id"
            ).fetchall()
        return [
            {"judgement_id": r[0], "annotator": r[1], "task_id": r[2], "record": json.loads(r[3]),
             "reasons": json.loads(r[4]), "checked_at": r[5]}
            for r in rows
        ]

    def progress(self) -> dict[str, Any]:
        """Counts for the admin page: tasks by kind, judgements wanted / handed out / done, per annotator."""
        with self.connect() as db:
            by_kind = dict(db.execute("SELECT kind, COUNT(*) FROM tasks GROUP BY kind").fetchall())
            wanted = db.execute("SELECT COALESCE(SUM(wanted), 0) FROM tasks").fetchone()[0]
            handed = db.execute("SELECT COUNT(*) FROM assignments").fetchone()[0]
            done = db.execute("SELECT COUNT(*) FROM judgements").fetchone()[0]
            per_annotator = db.execute(
                "SELECT a.id, a.expertise, (SELECT COUNT(*) FROM judgements j WHERE j.annotator_id = a.id), "
                "(SELECT COUNT(*) FROM assignments s WHERE s.annotator_id = a.id) FROM annotators a ORDER BY a.id"
            ).fetchall()
        return {
            "tasks": by_kind,
            "judgements_wanted": wanted,
            "handed_out": handed,
            "done": done,
            "annotators": [{"id": r[0], "expertise": r[1], "done": r[2], "handed_out": r[3]} for r in per_annotator],
        }

"""A run folder and its manifest: `runs/<recipe>/<run-id>/manifest.json`, rewritten atomically.

Shared by the pipeline and the eval stage (neither imports the other). Only rank 0 writes files;
under torchrun every rank agrees on rank 0's run id.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from toolkit import __version__
from toolkit.core.errors import UserInputError
from toolkit.core.io import atomic_write_json, atomic_write_text
from toolkit.recipe import Recipe, recipe_to_yaml


def rank() -> int:
    return int(os.environ.get("RANK", "0"))


def is_main_process() -> bool:
    return rank() == 0


def _agree_on(value: str) -> str:
    """Under torchrun every rank must use rank 0's run id."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return value
    from accelerate import PartialState
    from accelerate.utils import broadcast_object_list

    PartialState()  # initialises the process group (gloo on CPU)
    box = [value]
    broadcast_object_list(box, from_process=0)
    return box[0]


# ---------------------------------------------------------------- manifest
def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def sha256_json(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Run:
    """A run directory and its manifest (a plain JSON document, rewritten atomically)."""

    recipe: Recipe
    root: Path
    run_id: str
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def save(self) -> None:
        if is_main_process():
            self.manifest["updated_at"] = utc_now()
            atomic_write_json(self.manifest_path, self.manifest)

    def stage(self, name: str) -> dict[str, Any]:
        return self.manifest.setdefault("stages", {}).setdefault(name, {"status": "pending"})

    def stage_dir(self, name: str) -> Path:
        return self.root / name


def new_run_id(root: Path) -> str:
    base = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    run_id, n = base, 1
    while (root / run_id).exists():
        n += 1
        run_id = f"{base}-{n}"
    return run_id


def latest_run(root: Path) -> Path | None:
    runs = sorted(p for p in root.glob("*") if (p / "manifest.json").exists()) if root.exists() else []
    return runs[-1] if runs else None


def open_run(recipe: Recipe, output_dir: Path | None, resume: bool, run_id: str | None) -> Run:
    """A new run folder, or (with resume) the given/latest one for this recipe."""
    base = (output_dir or Path(recipe.output_dir)) / recipe.name
    if resume and run_id is None:
        found = latest_run(base)
        if found is None:
            raise UserInputError(str(base), "--resume: no earlier run of this recipe to resume")
        run_id = found.name
    run_id = _agree_on(run_id or new_run_id(base))
    root = base / run_id
    manifest: dict[str, Any] = {}
    if (root / "manifest.json").exists():
        if not resume:
            raise UserInputError(str(root), "run exists; pass --resume to continue it")
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    if is_main_process():
        root.mkdir(parents=True, exist_ok=True)
    manifest.setdefault("recipe", recipe.name)
    manifest["run_id"] = run_id  # the folder name, also for a copied run resumed under a new name
    manifest.setdefault("created_at", utc_now())
    manifest["toolkit_version"] = __version__
    manifest["recipe_sha256"] = sha256_json(recipe.model_dump(mode="json"))
    run = Run(recipe, root, run_id, manifest)
    if is_main_process():
        atomic_write_text(root / "recipe.resolved.yaml", recipe_to_yaml(recipe))
    run.save()
    return run


@contextmanager
def stage_status(run: Run, name: str) -> Iterator[dict[str, Any]]:
    """Mark a manifest entry running, then completed, interrupted (Ctrl-C) or failed (with the error type)."""
    entry = run.stage(name)
    entry.update({"status": "running", "started_at": utc_now()})
    entry.pop("error", None)
    run.save()
    try:
        yield entry
    except KeyboardInterrupt:
        entry.update({"status": "interrupted", "interrupted_at": utc_now()})
        run.save()
        raise
    except BaseException as exc:
        entry.update({"status": "failed", "error": type(exc).__name__, "failed_at": utc_now()})
        run.save()
        raise
    entry.update({"status": "completed", "finished_at": utc_now()})
    run.save()


_CLASSIFIER_CACHE: dict[str, Any] = {}


def classifiers_for(config: Any, build: Callable[[Any], Any]) -> Any:
    """Build classifiers once per configuration per process (their caches then serve every stage)."""
    key = sha256_json(config.classifiers.model_dump(mode="json"))
    if key not in _CLASSIFIER_CACHE:
        _CLASSIFIER_CACHE[key] = build(config)
    return _CLASSIFIER_CACHE[key]

"""Deduplicate and split records into train and eval without prompt leakage.

Records that share a prompt (normalised text; for SFT the first user message, for QA the question)
form one group and land in the same split, so the eval set never tests a prompt seen in training.
Groups are ordered by a hash of (seed, group key) and the first ones go to eval until the eval
fraction is reached: the split depends only on the data and the seed, never on input order or
Python's random state.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from toolkit.core.errors import UserInputError
from toolkit.core.io import atomic_write_json, read_records, write_jsonl
from toolkit.core.schema import normalise_text, turns_text

EXACT = "exact_duplicate"
NORMALISED = "normalised_duplicate"
_CONTENT_FIELDS: dict[str, tuple[str, ...]] = {
    "preference": ("prompt", "chosen", "rejected"),
    "sft": ("messages",),
    "qa": ("question", "answer", "contexts"),
    "prompt": ("prompt",),
}


@dataclass
class RemovedDuplicate:
    id: str
    reason: str  # "exact_duplicate" | "normalised_duplicate"
    duplicate_of: str


@dataclass
class SplitResult:
    train: list[Any]
    eval: list[Any]
    removed: list[RemovedDuplicate] = field(default_factory=list)


@dataclass
class SplitReport:
    """What split_file wrote; counts add up: input == train + eval + removed + invalid."""

    input_path: str
    out_dir: str
    kind: str
    seed: int
    eval_fraction: float
    input: int
    train: int
    eval: int
    removed: list[RemovedDuplicate]
    invalid: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "input_path": self.input_path,
            "kind": self.kind,
            "seed": self.seed,
            "eval_fraction": self.eval_fraction,
            "counts": {
                "input": self.input,
                "train": self.train,
                "eval": self.eval,
                "removed": len(self.removed),
                "invalid": len(self.invalid),
            },
            "removed": [asdict(item) for item in self.removed],
            "invalid": self.invalid,
        }


def _content_text(value: Any) -> str:
    """Text of a field for duplicate keys: strings, message lists and lists of strings alike."""
    if isinstance(value, list):
        return "\n".join(f"{m.role}: {m.content}" if hasattr(m, "role") else str(m) for m in value)
    return turns_text(value) if value is not None else ""


def _content_keys(record: Any, kind: str) -> tuple[str, str]:
    """(exact key, normalised key) over the fields that make a record's content (not id or meta)."""
    texts = [_content_text(getattr(record, name)) for name in _CONTENT_FIELDS[kind]]
    exact = json.dumps(texts, ensure_ascii=False)
    normalised = json.dumps([normalise_text(text) for text in texts], ensure_ascii=False)
    return exact, normalised


def group_key(record: Any, kind: str) -> str:
    """The normalised prompt a record is grouped by: records sharing it must share a split."""
    if kind == "sft":
        first_user = next((m.content for m in record.messages if m.role == "user"), None)
        text = first_user if first_user is not None else _content_text(record.messages)
    elif kind == "qa":
        text = record.question
    else:
        text = turns_text(record.prompt)
    return normalise_text(text)


def _group_rank(seed: int, key: str) -> bytes:
    return hashlib.sha256(f"{seed}\x00{key}".encode()).digest()


def _check_fraction(eval_fraction: float) -> None:
    if not 0 <= eval_fraction < 1:
        raise UserInputError("--eval-fraction", f"must be at least 0 and below 1, got {eval_fraction}")


def split_records(records: Iterable[Any], kind: str, eval_fraction: float, seed: int) -> SplitResult:
    """Remove duplicates (first occurrence kept), then split whole prompt groups by hash order."""
    _check_fraction(eval_fraction)
    if kind not in _CONTENT_FIELDS:
        raise UserInputError("--kind", f"unknown data kind {kind!r}; use one of {', '.join(_CONTENT_FIELDS)}")
    kept: list[Any] = []
    removed: list[RemovedDuplicate] = []
    first_exact: dict[str, str] = {}
    first_normalised: dict[str, str] = {}
    for record in records:
        exact, normalised = _content_keys(record, kind)
        if exact in first_exact:
            removed.append(RemovedDuplicate(record.id, EXACT, first_exact[exact]))
        elif normalised in first_normalised:
            removed.append(RemovedDuplicate(record.id, NORMALISED, first_normalised[normalised]))
        else:
            first_exact[exact] = record.id
            first_normalised[normalised] = record.id
            kept.append(record)

    group_sizes: dict[str, int] = {}
    for record in kept:
        key = group_key(record, kind)
        group_sizes[key] = group_sizes.get(key, 0) + 1
    target = round(eval_fraction * len(kept))
    if eval_fraction > 0 and len(group_sizes) > 1:
        target = max(target, 1)
    eval_groups: set[str] = set()
    eval_count = 0
    ranked = sorted(group_sizes, key=lambda key: _group_rank(seed, key))
    for key in ranked[:-1]:  # the last-ranked group always trains: never an empty train split
        if eval_count >= target:
            break
        eval_groups.add(key)
        eval_count += group_sizes[key]

    train = [r for r in kept if group_key(r, kind) not in eval_groups]
    evaluation = [r for r in kept if group_key(r, kind) in eval_groups]
    return SplitResult(train=train, eval=evaluation, removed=removed)


def split_file(
    path: str | Path, kind: str, eval_fraction: float, seed: int, out_dir: str | Path, fmt: str = "auto"
) -> SplitReport:
    """Read, dedupe and split a file; write train.jsonl, eval.jsonl and split_report.json to out_dir.

    Invalid records are not split: they are listed (with file and line) in the report.
    """
    _check_fraction(eval_fraction)
    result = read_records(path, kind, fmt)
    split = split_records(result.records, kind, eval_fraction, seed)
    out = Path(out_dir)
    write_jsonl(out / "train.jsonl", split.train)
    write_jsonl(out / "eval.jsonl", split.eval)
    report = SplitReport(
        input_path=str(path),
        out_dir=str(out),
        kind=kind,
        seed=seed,
        eval_fraction=eval_fraction,
        input=result.total,
        train=len(split.train),
        eval=len(split.eval),
        removed=split.removed,
        invalid=[str(failure.problem) for failure in result.failures],
    )
    atomic_write_json(out / "split_report.json", report.as_dict())
    return report

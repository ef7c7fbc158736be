"""Mix extra files (the shipped safety mix, your own) into a stage's training data at a ratio.

`data.mixture: [{path, kind, weight}]` in a recipe: each file contributes
`min(len(file), round(weight * len(own data of that kind)))` records, chosen by a seeded hash of
their ids (the same recipe and seed always take the same records), before the train/eval split,
so mixed records are gated, split and deduplicated like the recipe's own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from toolkit.core.errors import UserInputError
from toolkit.core.io import RawFailure, read_records


class MixtureEntry(Protocol):
    path: str
    kind: str
    weight: float
    format: str


@dataclass
class Mixed:
    records: list[Any]
    failures: list[RawFailure]
    summary: list[dict[str, Any]] = field(default_factory=list)


def _order_key(seed: int, record_id: str) -> str:
    return hashlib.sha256(f"{seed}:{record_id}".encode()).hexdigest()


def mix_records(
    own: Sequence[Any], kind: str, mixture: Sequence[MixtureEntry], seed: int, use_case: str | None = None, own_count: int | None = None
) -> Mixed:
    """`own` plus the sampled records of every mixture entry of `kind` (ids must not collide)."""
    count = len(own) if own_count is None else own_count
    records = list(own)
    seen = {r.id for r in records}
    mixed = Mixed(records, [])
    for index, entry in enumerate(mixture):
        if entry.kind != kind:
            continue
        where = f"data.mixture[{index}].path"
        if not Path(entry.path).is_file():
            raise UserInputError(where, f"file not found: {entry.path}")
        read = read_records(entry.path, kind, entry.format, use_case=use_case)
        wanted = len(read.records) if count == 0 else min(len(read.records), round(entry.weight * count))
        taken = sorted(read.records, key=lambda r: _order_key(seed, r.id))[:wanted]
        for record in taken:
            if record.id in seen:
                raise UserInputError(where, f"record id {record.id!r} is also in the recipe's own data or an earlier mixture file")
            seen.add(record.id)
        records.extend(taken)
        mixed.failures.extend(read.failures)
        mixed.summary.append(
            {
                "path": entry.path,
                "weight": entry.weight,
                "available": len(read.records),
                "taken": len(taken),
                "invalid": len(read.failures),
                "sha256": hashlib.sha256(Path(entry.path).read_bytes()).hexdigest(),
            }
        )
    return mixed

"""The one classifier interface every tier implements, and a cache keyed by text hash."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Span:
    """Evidence: characters [start, end) of the text support `category`; `label` names the
    placeholder used when redacting (EMAIL, PHONE, ...)."""

    start: int
    end: int
    category: str
    label: str


@dataclass
class Classification:
    """Scores in [0, 1] per taxonomy category (absent = 0) and evidence spans where available."""

    scores: dict[str, float] = field(default_factory=dict)
    spans: list[Span] = field(default_factory=list)


class Classifier(Protocol):
    name: str

    def classify(self, texts: Sequence[str]) -> list[Classification]: ...


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CachedClassifier:
    """Wraps a classifier so re-running a stage does not re-score texts it has seen."""

    def __init__(self, inner: Classifier, max_entries: int = 1_000_000):
        self.inner = inner
        self.name = inner.name
        self.max_entries = max_entries
        self._cache: dict[str, Classification] = {}
        self.hits = 0
        self.misses = 0

    def classify(self, texts: Sequence[str]) -> list[Classification]:
        keys = [text_key(t) for t in texts]
        todo = {k: t for k, t in zip(keys, texts, strict=False) if k not in self._cache}
        self.hits += len(keys) - len(todo)
        self.misses += len(todo)
        fresh = dict(zip(todo, self.inner.classify(list(todo.values())), strict=False)) if todo else {}
        results = [fresh[k] if k in fresh else self._cache[k] for k in keys]
        if len(self._cache) + len(fresh) > self.max_entries:
            self._cache.clear()  # bounded memory on streamed inputs
        self._cache.update(fresh)
        return results

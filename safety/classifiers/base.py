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


ROLES: tuple[str, ...] = ("prompt", "response")


class Classifier(Protocol):
    name: str

    def classify(self, texts: Sequence[str]) -> list[Classification]: ...


def classify_in_role(
    classifier: Classifier, texts: Sequence[str], role: str = "prompt", prompts: Sequence[str | None] | None = None
) -> list[Classification]:
    """`classifier.classify` with the role (and the requests responses answer) for tiers that read
    them (`supports_roles = True`); tiers that score text alone (rules, toxicity) get the texts."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, got {role!r}")
    if getattr(classifier, "supports_roles", False):
        return classifier.classify(texts, role=role, prompts=prompts)  # type: ignore[call-arg]
    return classifier.classify(texts)


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CachedClassifier:
    """Wraps a classifier so re-running a stage does not re-score texts it has seen."""

    def __init__(self, inner: Classifier, max_entries: int = 1_000_000):
        self.inner = inner
        self.name = inner.name
        self.supports_roles = getattr(inner, "supports_roles", False)
        self.max_entries = max_entries
        self._cache: dict[str, Classification] = {}
        self.hits = 0
        self.misses = 0

    def classify(self, texts: Sequence[str], role: str = "prompt", prompts: Sequence[str | None] | None = None) -> list[Classification]:
        """Cached by text (and, for tiers that read roles, by role and request too)."""
        if self.supports_roles:
            contexts = list(prompts) if prompts is not None else [None] * len(texts)
            keys = [text_key(f"{role}\x00{c or ''}\x00{t}") for t, c in zip(texts, contexts, strict=True)]
        else:
            contexts, keys = [None] * len(texts), [text_key(t) for t in texts]
        todo: dict[str, tuple[str, str | None]] = {}
        for key, text, context in zip(keys, texts, contexts, strict=True):
            if key not in self._cache and key not in todo:
                todo[key] = (text, context)
        self.hits += len(keys) - len(todo)
        self.misses += len(todo)
        fresh: dict[str, Classification] = {}
        if todo:
            todo_texts = [t for t, _ in todo.values()]
            if self.supports_roles:
                todo_prompts = [c for _, c in todo.values()] if prompts is not None else None
                results = self.inner.classify(todo_texts, role=role, prompts=todo_prompts)  # type: ignore[call-arg]
            else:
                results = self.inner.classify(todo_texts)
            fresh = dict(zip(todo, results, strict=True))
        results = [fresh[k] if k in fresh else self._cache[k] for k in keys]
        if len(self._cache) + len(fresh) > self.max_entries:
            self._cache.clear()  # bounded memory on streamed inputs
        self._cache.update(fresh)
        return results


def inference_dtype(device: str) -> object:
    """float32 on a CPU, the checkpoint's own dtype elsewhere.

    transformers loads a checkpoint in the dtype it was saved in; bf16 weights on a CPU without bf16
    matmul units run emulated, and a score should not depend on how a checkpoint happened to be saved.
    """
    import torch

    return torch.float32 if device == "cpu" else "auto"

"""Classifiers behind one interface: `classify(texts) -> [Classification]`.

`build_classifiers(config)` turns the recipe's `safety.classifiers` block into a list of cached
classifiers, cheapest first. Tiers with heavy dependencies (semantic, Hugging Face, Llama Guard)
are imported only when the config enables them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from safety.classifiers.base import (
    ROLES,
    CachedClassifier,
    Classification,
    Classifier,
    Span,
    classify_in_role,
)
from safety.config import SafetyConfig

__all__ = [
    "ROLES",
    "CachedClassifier",
    "Classification",
    "Classifier",
    "Span",
    "TextVerdict",
    "build_classifiers",
    "classify_in_role",
    "classify_texts",
    "merge_classifications",
]


def build_classifiers(config: SafetyConfig, cache_entries: int = 1_000_000) -> list[Classifier]:
    """The classifiers the config enables, each wrapped in a CachedClassifier (bounded to `cache_entries`)."""
    selection = config.classifiers
    built: list[Classifier] = []
    if selection.rules:
        from safety.classifiers.rules import RuleClassifier

        built.append(RuleClassifier())
    if selection.toxicity:
        from safety.classifiers.toxicity import ToxicityClassifier

        built.append(ToxicityClassifier())
    if selection.semantic:
        from safety.classifiers.semantic import SemanticClassifier

        built.append(SemanticClassifier(
            head_path=selection.semantic_head, precision=selection.semantic_precision, runtime=selection.semantic_runtime,
        ))
    if selection.hf:
        from safety.classifiers.hf import HFSequenceClassifier

        built.extend(HFSequenceClassifier(spec) for spec in selection.hf)
    if selection.guard is not None:
        from safety.classifiers.guard import GuardClassifier

        built.append(GuardClassifier(selection.guard))
    return [CachedClassifier(classifier, max_entries=cache_entries) for classifier in built]


def merge_classifications(results: Sequence[Classification]) -> Classification:
    """One text's results from several classifiers: max score per category, all spans (sorted)."""
    scores: dict[str, float] = {}
    spans: list[Span] = []
    for result in results:
        for category, score in result.scores.items():
            if score > scores.get(category, 0.0):
                scores[category] = score
        spans.extend(result.spans)
    spans.sort(key=lambda s: (s.start, s.end, s.category, s.label))
    return Classification(scores=scores, spans=spans)


@dataclass
class TextVerdict:
    """What `toolkit safety classify` prints for one text."""

    text: str
    scores: dict[str, float]
    flagged: list[str]
    spans: list[Span] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "scores": self.scores,
            "flagged": self.flagged,
            "spans": [{"start": s.start, "end": s.end, "category": s.category, "label": s.label} for s in self.spans],
        }


def classify_texts(
    texts: Sequence[str],
    config: SafetyConfig | None = None,
    classifiers: Sequence[Classifier] | None = None,
    *,
    role: str = "prompt",
    prompts: Sequence[str | None] | None = None,
) -> list[TextVerdict]:
    """Score texts with every configured classifier; a category is flagged at or over its threshold.

    `role="prompt"` reads texts as requests; `role="response"` as model replies (a refusal or safe
    redirect is safe), with `prompts` the requests they answer where known. This is the API the gate
    and `toolkit safety classify --role` use.
    """
    config = config or SafetyConfig()
    if classifiers is None:
        classifiers = build_classifiers(config)
    per_classifier = [classify_in_role(classifier, list(texts), role, prompts) for classifier in classifiers]
    verdicts = []
    for index, text in enumerate(texts):
        merged = merge_classifications([results[index] for results in per_classifier])
        scores = {category: round(score, 4) for category, score in sorted(merged.scores.items())}
        flagged = [c for c, score in sorted(merged.scores.items()) if score >= config.threshold(c)]
        verdicts.append(TextVerdict(text, scores, flagged, merged.spans))
    return verdicts

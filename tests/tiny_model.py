"""A tiny random Llama with the real SmolLM2 tokenizer: what every training test trains (seconds, not minutes)."""

from __future__ import annotations

from pathlib import Path

from toolkit.models import (
    DEFAULT_MODEL,
    _atomic_directory,
    _embedded,
    _quiet_transformers_bars,
    embedded_tokenizer_dir,
    load_tokenizer,
)


def build_tiny_model(out_dir: Path, tokenizer_source: str | None = None, seed: int = 0) -> Path:
    """A random 2-layer Llama with the real SmolLM2 tokenizer (or `tokenizer_source`'s), deterministic.

    Training tests use it: the same vocabulary and chat template as the default model, seconds to run.
    """
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    if tokenizer_source is None or _embedded(tokenizer_source) is not None:
        tokenizer = AutoTokenizer.from_pretrained(embedded_tokenizer_dir(tokenizer_source or DEFAULT_MODEL))
    else:
        tokenizer = load_tokenizer(tokenizer_source)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = LlamaForCausalLM(config)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    out_dir = Path(out_dir)
    with _quiet_transformers_bars(), _atomic_directory(out_dir) as scratch:
        model.save_pretrained(scratch)
        tokenizer.save_pretrained(scratch)
    return out_dir

"""One padding helper for generation (left), last-token judges (left) and reward/cost scoring (right)."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.core.batching import padded_batches


def test_batches_pad_on_the_side_asked_and_restore_the_tokenizers_own(smollm2_tokenizer_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(smollm2_tokenizer_dir)
    tokenizer.padding_side = "right"
    texts = ["hi", "a much longer text than the first one", "mid length text"]
    pad = tokenizer.pad_token_id

    left = list(padded_batches(tokenizer, texts, 2, "left"))
    assert [len(b["input_ids"]) for b in left] == [2, 1]  # every text, in order, in batches of 2
    assert (
        left[0]["input_ids"][0, 0] == pad and left[0]["attention_mask"][0, 0] == 0
    )  # short text padded left
    assert left[0]["input_ids"][0, -1] != pad
    assert tokenizer.padding_side == "right"

    right = next(iter(padded_batches(tokenizer, texts, 2, "right")))
    assert right["attention_mask"][0, -1] == 0 and right["attention_mask"][0, 0] == 1


def test_padding_side_is_restored_when_the_caller_stops_early_or_fails(smollm2_tokenizer_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(smollm2_tokenizer_dir)
    tokenizer.padding_side = "right"
    batches = padded_batches(tokenizer, ["a", "b", "c"], 1, "left")
    with pytest.raises(RuntimeError):
        for _ in batches:
            assert tokenizer.padding_side == "left"
            raise RuntimeError("model failed")
    batches.close()
    assert tokenizer.padding_side == "right"


def test_generation_batches_by_length_and_answers_in_the_prompts_order(tiny_model_dir: Path) -> None:
    """Eval batches prompts by length (wide batches pad little); each answer must still land on its
    own prompt and be the answer that prompt gets alone."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from toolkit.eval.generation import make_generator

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
    torch.manual_seed(0)
    with torch.no_grad():  # larger random weights than the init's, so answers depend on the prompt
        for parameter in model.parameters():
            if parameter.dim() > 1:
                parameter.normal_(0.0, 0.3)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    prompts = [
        "a long request about editing a weekly interview podcast with noise reduction and a deadline",
        "hi",
        "a request of middle length about a logo",
        "ok then",
    ]
    one_by_one = [make_generator(model, tokenizer, 6, batch_size=1)([p])[0] for p in prompts]
    batched = make_generator(model, tokenizer, 6, batch_size=3)(prompts)
    assert batched == one_by_one
    assert len(set(one_by_one)) > 1  # distinct answers, so a shuffled order would be caught

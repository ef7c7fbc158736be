"""Batched scoring with a trained reward or cost model (sequence classifier, one output)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from toolkit.core.batching import padded_batches, shortest_first


def format_for_scoring(tokenizer: Any, prompt: Any, response: Any) -> str:
    """The same text the TRL RewardTrainer trained on: chat template over prompt + response."""
    if isinstance(prompt, str) and isinstance(response, str):
        eos = tokenizer.eos_token or ""
        return prompt + response + ("" if response.endswith(eos) else eos)
    prompt_msgs = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
    response_msgs = [{"role": "assistant", "content": response}] if isinstance(response, str) else list(response)
    return tokenizer.apply_chat_template(prompt_msgs + response_msgs, tokenize=False)


class SequenceScorer:
    """Scores (prompt, response) pairs with a reward model (higher = better) or cost model (higher = unsafer)."""

    def __init__(
        self, model: Any, tokenizer: Any, max_length: int = 1024, batch_size: int = 8, cpu_autocast: bool = False
    ):
        self.model = model.eval()
        self.cpu_autocast = cpu_autocast  # score on a CPU under bf16 autocast, as a bf16-mixed stage trained
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.batch_size = batch_size

    @torch.inference_mode()
    def score(self, prompts: Sequence[Any], responses: Sequence[Any]) -> list[float]:
        texts = [format_for_scoring(self.tokenizer, p, r) for p, r in zip(prompts, responses, strict=True)]
        order = shortest_first(texts)  # similar lengths per batch: little padding
        in_order: list[float] = []
        batches = padded_batches(  # right, as the RewardTrainer trained it
            self.tokenizer, [texts[i] for i in order], self.batch_size, "right", self.model.device,
            truncation=True, max_length=self.max_length, add_special_tokens=False,
        )
        autocast = self.cpu_autocast and self.model.device.type == "cpu"
        for batch in batches:
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
                logits = self.model(**batch).logits.squeeze(-1)
            in_order.extend(float(x) for x in logits.float().reshape(-1).cpu())
        scores = [0.0] * len(texts)
        for position, index in enumerate(order):
            scores[index] = in_order[position]
        return scores

    @classmethod
    def from_run_stage(
        cls, stage_dir: Path, base_model: str, dtype: torch.dtype = torch.float32, **kwargs: Any
    ) -> SequenceScorer:
        """Load the LoRA scorer a reward/cost stage saved in `stage_dir/adapter` on top of its base.

        `dtype` is explicit: transformers would load the base in its saved dtype (the prepared SmolLM2
        is bf16), which is not the dtype the stage trained in; bf16 weights on a CPU without bf16 units
        run emulated. A stage that trained bf16-mixed on a CPU passes `cpu_autocast=True` (same speed
        as bf16 weights on a bf16 CPU: bench/scorer_dtype.py).
        """
        from peft import PeftModel
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        adapter = stage_dir / "adapter"
        tokenizer = AutoTokenizer.from_pretrained(adapter if (adapter / "tokenizer_config.json").exists() else base_model)
        if (adapter / "adapter_config.json").exists():
            model = AutoModelForSequenceClassification.from_pretrained(base_model, num_labels=1, dtype=dtype)
            model.config.pad_token_id = tokenizer.pad_token_id
            model = PeftModel.from_pretrained(model, adapter).merge_and_unload()
        else:
            model = AutoModelForSequenceClassification.from_pretrained(adapter, num_labels=1, dtype=dtype)
        model.config.pad_token_id = tokenizer.pad_token_id
        return cls(model, tokenizer, **kwargs)

"""DPO stage: TRL's DPOTrainer, subclassed once to add the safety margin (see dpo_loss.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from trl import DPOConfig, DPOTrainer
from trl.trainer.dpo_trainer import DataCollatorForPreference

from toolkit.stages.dpo_loss import MARGIN_LOSS_TYPES, shift_reference_for_margin


@dataclass
class SafetyPreferenceCollator(DataCollatorForPreference):
    """TRL's preference collator, plus the gate's `rejected_unsafe` flag as a float tensor."""

    def torch_call(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        batch = super().torch_call(examples)
        if "rejected_unsafe" in examples[0]:
            batch["rejected_unsafe"] = torch.tensor([float(e["rejected_unsafe"]) for e in examples])
        return batch


class SafetyAwareDPOTrainer(DPOTrainer):
    """DPOTrainer whose loss adds `safety_margin` for pairs with an unsafe rejected answer.

    With LoRA and no ref_model, TRL's reference is the adapter-disabled base (no second copy).
    Logged `rewards/chosen` include the shift (they are β·h_c − m·u).
    """

    def __init__(self, *args: Any, safety_margin: float = 0.0, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.safety_margin = float(safety_margin)
        if self.safety_margin and (
            not set(self.loss_types) <= MARGIN_LOSS_TYPES or self.f_divergence_type != "reverse_kl"
        ):
            raise ValueError(
                f"safety_margin needs loss_type in {sorted(MARGIN_LOSS_TYPES)} with reverse_kl; got {self.loss_types}"
            )

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):  # type: ignore[override]
        unsafe = inputs.pop("rejected_unsafe", None)
        if not self.safety_margin or unsafe is None:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        inputs = dict(inputs)
        if "ref_chosen_logps" not in inputs:
            ref_chosen, ref_rejected = self.compute_ref_log_probs(model, inputs)
            inputs["ref_chosen_logps"], inputs["ref_rejected_logps"] = ref_chosen, ref_rejected
        inputs["ref_chosen_logps"] = shift_reference_for_margin(
            inputs["ref_chosen_logps"], unsafe.to(inputs["ref_chosen_logps"].device), self.beta, self.safety_margin
        )
        mode = "train" if self.model.training else "eval"
        self._metrics[mode]["safety/unsafe_rejected_fraction"].append(unsafe.float().mean().item())
        reads_reference_from_batch = self.precompute_ref_logps
        self.precompute_ref_logps = True  # the (shifted) reference log-probs are in the batch now
        try:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        finally:
            self.precompute_ref_logps = reads_reference_from_batch


def dpo_config_extras(settings: Any) -> dict[str, Any]:
    """DPO-specific fields of the recipe, as DPOConfig keyword arguments."""
    return {
        "beta": settings.beta,
        "loss_type": list(settings.loss_type),
        "precompute_ref_log_probs": settings.precompute_ref_log_probs,
        # keep the gate's `rejected_unsafe` column until our collator reads it
        "remove_unused_columns": False,
    }


__all__ = ["DPOConfig", "SafetyAwareDPOTrainer", "SafetyPreferenceCollator", "dpo_config_extras"]


def run_dpo(recipe: Any, inputs: Any) -> dict[str, float]:
    """DPO on gated pairs, starting from the SFT adapter merged into the base when SFT ran.

    With LoRA the reference is that same model with the DPO adapter disabled: no second copy.
    """
    from datasets import Dataset

    from toolkit.models import load_tokenizer, peft_lora_config
    from toolkit.stages.common import (
        build_trl_config,
        is_conversational,
        load_policy_model,
        preference_row,
        train_and_save,
    )

    settings = recipe.stages.dpo
    tokenizer = load_tokenizer(recipe.model.name, recipe.model.trust_remote_code)
    config = build_trl_config(
        DPOConfig,
        recipe,
        "dpo",
        settings,
        inputs.stage_dir / "checkpoints",
        inputs.report_to,
        inputs.run_name,
        extra=dpo_config_extras(settings),
    )
    conversational = is_conversational([*inputs.train_records, *inputs.eval_records])
    rows = [preference_row(p, conversational) for p in inputs.train_records]
    eval_rows = [preference_row(p, conversational) for p in inputs.eval_records]
    trainer = SafetyAwareDPOTrainer(
        model=load_policy_model(recipe, inputs.init_adapter),
        args=config,
        train_dataset=Dataset.from_list(rows),
        eval_dataset=Dataset.from_list(eval_rows) if eval_rows else None,
        processing_class=tokenizer,
        peft_config=peft_lora_config(recipe.model, "CAUSAL_LM"),
        data_collator=SafetyPreferenceCollator(
            pad_token_id=tokenizer.pad_token_id,
            max_length=config.max_length,
            truncation_mode=config.truncation_mode,
        ),
        safety_margin=settings.safety_margin,
    )
    return train_and_save(trainer, inputs, tokenizer)

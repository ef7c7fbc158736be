"""DPO stage: TRL's DPOTrainer, subclassed once to add the safety margin (see dpo_loss.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from trl import DPOConfig, DPOTrainer
from trl.trainer.dpo_trainer import DataCollatorForPreference

from toolkit.recipe import Recipe
from toolkit.stages.base import StageInputs
from toolkit.stages.common import TrainerParts, build_trainer, preference_row
from toolkit.stages.dpo_loss import MARGIN_LOSS_TYPES, shift_reference_for_margin


@dataclass
class SafetyDPOConfig(DPOConfig):
    """TRL's DPOConfig plus the safety margin, so it is reachable from `trl:` and saved with the run."""

    safety_margin: float = field(
        default=0.0,
        metadata={
            "help": "Extra margin m for pairs whose rejected answer is unsafe: the loss asks the policy to "
            "prefer chosen by m more (in reward units). 0 gives plain DPO. Needs a sigmoid-family loss_type."
        },
    )


@dataclass
class SafetyPreferenceCollator(DataCollatorForPreference):
    """TRL's preference collator, plus the gate's `rejected_unsafe` flag as a float tensor."""

    def torch_call(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        batch = super().torch_call(examples)
        if "rejected_unsafe" in examples[0]:
            batch["rejected_unsafe"] = torch.tensor([float(e["rejected_unsafe"]) for e in examples])
        return batch


class SafetyAwareDPOTrainer(DPOTrainer):
    """DPOTrainer whose loss adds `args.safety_margin` (SafetyDPOConfig) for pairs with an unsafe rejected answer.

    With LoRA and no ref_model, TRL's reference is the adapter-disabled base (no second copy).
    Logged `rewards/chosen` include the shift (they are β·h_c − m·u).
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.safety_margin = float(getattr(self.args, "safety_margin", 0.0))
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


def dpo_config_fields(settings: Any, tokenizer: Any = None) -> dict[str, Any]:
    """DPO-specific fields of the recipe, as SafetyDPOConfig keyword arguments."""
    return {
        "beta": settings.beta,
        "loss_type": list(settings.loss_type),
        "precompute_ref_log_probs": settings.precompute_ref_log_probs,
        "safety_margin": settings.safety_margin,
        # keep the gate's `rejected_unsafe` column until our collator reads it
        "remove_unused_columns": False,
    }


DPO_PARTS = TrainerParts(
    "dpo", SafetyDPOConfig, SafetyAwareDPOTrainer, "CAUSAL_LM", preference_row, dpo_config_fields,
    collator=lambda tokenizer, config: SafetyPreferenceCollator(
        pad_token_id=tokenizer.pad_token_id, max_length=config.max_length, truncation_mode=config.truncation_mode
    ),
)  # fmt: skip


def build_dpo_trainer(recipe: Recipe, inputs: StageInputs) -> SafetyAwareDPOTrainer:
    """DPO on gated pairs, starting from the SFT adapter merged into the base when SFT ran.

    With LoRA the reference is that same model with the DPO adapter disabled: no second copy.
    """
    return build_trainer(recipe, inputs, DPO_PARTS)

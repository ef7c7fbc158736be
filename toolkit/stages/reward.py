"""Reward and cost stages: TRL's RewardTrainer (one-label sequence classifier) on gated pairs.

The cost model (Safe-RLHF) uses the same trainer with its own loss (reward_models/cost.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from datasets import Dataset
from trl import RewardConfig, RewardTrainer

from reward_models.cost import CostCollator, CostTrainer, cost_row
from toolkit.recipe import Recipe, StageSettings
from toolkit.stages.common import (
    StageInputs,
    build_trl_config,
    is_conversational,
    preference_row,
    train_and_save,
)


def _train_scorer(
    recipe: Recipe,
    inputs: StageInputs,
    stage: str,
    settings: StageSettings,
    trainer_cls: type[RewardTrainer],
    to_row: Callable[[Any, bool], dict[str, Any]],
    config_extra: dict[str, Any],
    collator_for: Callable[[Any], Any] | None = None,
    **trainer_kwargs: Any,
) -> dict[str, float]:
    """A LoRA sequence scorer (reward or cost) trained with a RewardTrainer subclass."""
    from toolkit.models import load_sequence_classifier, load_tokenizer, peft_lora_config

    tokenizer = load_tokenizer(recipe.model.name, recipe.model.trust_remote_code)
    config = build_trl_config(
        RewardConfig, recipe, stage, settings, inputs.stage_dir / "checkpoints", inputs.report_to, inputs.run_name,
        extra=config_extra,
    )
    conversational = is_conversational([*inputs.train_records, *inputs.eval_records])
    eval_rows = [to_row(p, conversational) for p in inputs.eval_records]
    trainer = trainer_cls(
        model=load_sequence_classifier(recipe.model, num_labels=1),
        args=config,
        train_dataset=Dataset.from_list([to_row(p, conversational) for p in inputs.train_records]),
        eval_dataset=Dataset.from_list(eval_rows) if eval_rows else None,
        processing_class=tokenizer,
        peft_config=peft_lora_config(recipe.model, "SEQ_CLS"),
        data_collator=collator_for(tokenizer) if collator_for else None,
        **trainer_kwargs,
    )
    return train_and_save(trainer, inputs, tokenizer)


def _reward_row(pair: Any, conversational: bool = False) -> dict[str, Any]:
    row = preference_row(pair, conversational)
    row.pop("rejected_unsafe")
    return row


def run_reward(recipe: Recipe, inputs: StageInputs) -> dict[str, float]:
    """Pairwise reward model; `eval_accuracy` is pairwise accuracy on the eval split."""
    settings = recipe.stages.reward
    return _train_scorer(
        recipe, inputs, "reward", settings, RewardTrainer, _reward_row,
        {"center_rewards_coefficient": settings.center_rewards_coefficient},
    )


def run_cost(recipe: Recipe, inputs: StageInputs) -> dict[str, float]:
    """Safe-RLHF cost model: `eval_sign_accuracy` says how often the cost's sign matches safety."""
    settings = recipe.stages.cost
    return _train_scorer(
        recipe, inputs, "cost", settings, CostTrainer, lambda pair, conversational: cost_row(pair, preference_row(pair, conversational)),
        {"remove_unused_columns": False},  # keep the safety signs for the collator
        collator_for=lambda tokenizer: CostCollator(pad_token_id=tokenizer.pad_token_id),
        sign_weight=settings.sign_weight,
    )

"""Reward and cost stages: TRL's RewardTrainer (one-label sequence classifier) on gated pairs.

The cost model (Safe-RLHF) uses the same trainer with its own loss (reward_models/cost.py).
"""

from __future__ import annotations

from typing import Any

from datasets import Dataset
from trl import RewardConfig, RewardTrainer

from reward_models.cost import CostCollator, CostTrainer, cost_row
from toolkit.recipe import Recipe
from toolkit.stages.common import StageInputs, build_trl_config, preference_row, train_and_save


def _model_and_tokenizer(recipe: Recipe) -> tuple[Any, Any, Any]:
    from toolkit.models import load_sequence_classifier, load_tokenizer, peft_lora_config

    tokenizer = load_tokenizer(recipe.model.name, recipe.model.trust_remote_code)
    model = load_sequence_classifier(recipe.model, num_labels=1)
    return model, tokenizer, peft_lora_config(recipe.model, "SEQ_CLS")


def run_reward(recipe: Recipe, inputs: StageInputs) -> dict[str, float]:
    """Pairwise reward model; `eval_accuracy` is pairwise accuracy on the eval split."""
    settings = recipe.stages.reward
    model, tokenizer, peft_config = _model_and_tokenizer(recipe)
    config = build_trl_config(
        RewardConfig,
        recipe,
        "reward",
        settings,
        inputs.stage_dir / "checkpoints",
        inputs.report_to,
        inputs.run_name,
        extra={"center_rewards_coefficient": settings.center_rewards_coefficient},
    )
    rows = [_reward_row(p) for p in inputs.train_records]
    eval_rows = [_reward_row(p) for p in inputs.eval_records]
    trainer = RewardTrainer(
        model=model,
        args=config,
        train_dataset=Dataset.from_list(rows),
        eval_dataset=Dataset.from_list(eval_rows) if eval_rows else None,
        processing_class=tokenizer,
        peft_config=peft_config,
    )
    return train_and_save(trainer, inputs, tokenizer)


def _reward_row(pair: Any) -> dict[str, Any]:
    row = preference_row(pair)
    row.pop("rejected_unsafe")
    return row


def run_cost(recipe: Recipe, inputs: StageInputs) -> dict[str, float]:
    """Safe-RLHF cost model: `eval_sign_accuracy` says how often the cost's sign matches safety."""
    settings = recipe.stages.cost
    model, tokenizer, peft_config = _model_and_tokenizer(recipe)
    config = build_trl_config(
        RewardConfig,
        recipe,
        "cost",
        settings,
        inputs.stage_dir / "checkpoints",
        inputs.report_to,
        inputs.run_name,
        extra={"remove_unused_columns": False},  # keep the safety signs for the collator
    )
    rows = [cost_row(p, preference_row(p)) for p in inputs.train_records]
    eval_rows = [cost_row(p, preference_row(p)) for p in inputs.eval_records]
    trainer = CostTrainer(
        model=model,
        args=config,
        train_dataset=Dataset.from_list(rows),
        eval_dataset=Dataset.from_list(eval_rows) if eval_rows else None,
        processing_class=tokenizer,
        peft_config=peft_config,
        data_collator=CostCollator(pad_token_id=tokenizer.pad_token_id),
        sign_weight=settings.sign_weight,
    )
    return train_and_save(trainer, inputs, tokenizer)

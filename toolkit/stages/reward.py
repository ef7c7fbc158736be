"""Reward and cost stages: TRL's RewardTrainer (one-label sequence classifier) on gated pairs.

The cost model (Safe-RLHF) uses the same trainer with its own loss and config (reward_models/cost.py).
"""

from __future__ import annotations

from typing import Any

from trl import RewardConfig, RewardTrainer

from reward_models.cost import CostCollator, CostConfig, CostTrainer, cost_row
from toolkit.recipe import Recipe
from toolkit.stages.base import StageInputs
from toolkit.stages.common import TrainerParts, build_trainer, preference_row


def reward_row(pair: Any, conversational: bool = False) -> dict[str, Any]:
    row = preference_row(pair, conversational)
    row.pop("rejected_unsafe")
    return row


REWARD_PARTS = TrainerParts(
    "reward", RewardConfig, RewardTrainer, "SEQ_CLS", reward_row,
    lambda settings, tokenizer: {"center_rewards_coefficient": settings.center_rewards_coefficient},
)
COST_PARTS = TrainerParts(
    "cost", CostConfig, CostTrainer, "SEQ_CLS", lambda pair, conversational: cost_row(pair, preference_row(pair, conversational)),
    # keep the safety signs for the collator
    lambda settings, tokenizer: {"remove_unused_columns": False, "sign_weight": settings.sign_weight},
    collator=lambda tokenizer, config: CostCollator(pad_token_id=tokenizer.pad_token_id),
)  # fmt: skip


def build_reward_trainer(recipe: Recipe, inputs: StageInputs) -> RewardTrainer:
    """Pairwise reward model; `eval_accuracy` is pairwise accuracy on the eval split."""
    return build_trainer(recipe, inputs, REWARD_PARTS)


def build_cost_trainer(recipe: Recipe, inputs: StageInputs) -> CostTrainer:
    """Safe-RLHF cost model: `eval_sign_accuracy` says how often the cost's sign matches safety."""
    return build_trainer(recipe, inputs, COST_PARTS)

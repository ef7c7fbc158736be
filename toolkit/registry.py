"""The one list of stages (and of eval suites). The pipeline's loop, the CLI's per-stage commands,
`--stages`, the report and the recipe's `trl:` and `eval.suites` checks all read it.

Each entry is data: name, the data kind it trains on, the gate policy row that applies, the CLI
command, the TRL config class, and where its `build` and `execute` functions live, as
"module:function" names resolved when the stage runs. That late binding (what torchtune's recipe
registry and Python entry points do) keeps this module import-free: `toolkit recipe validate` and
`--help` stay fast, and the recipe can read the stage list without importing the trainers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Stage:
    """One step of a recipe. `data_kind` None: the stage reads the run folder, not gated data (eval)."""

    name: str  # the recipe's `stages.<name>` block, the run's `<name>/` folder, the manifest entry
    data_kind: str | None  # which split data it trains on: "sft" or "preference"
    gate_stage: str | None  # which row of the gate policy applies (safety.config.GATE_STAGES)
    command: str | None  # the CLI command that runs this stage alone
    summary: str  # that command's help line
    build: str  # "module:function" (recipe, StageInputs) -> trainer-like object
    execute: str  # "module:function" (job, StageInputs) -> StageOutcome
    trl_config: str | None = None  # the TRL config class the stage builds (checks the recipe's `trl:`)
    init_from: str | None = None  # a stage whose adapter is merged into the base first (dpo: sft)
    trains_policy: bool = False  # its adapter is part of the run's policy (export, eval's tuned model)

    @property
    def trains(self) -> bool:
        return self.data_kind is not None

    def builder(self) -> Callable[..., Any]:
        return _resolve(self.build)

    def executor(self) -> Callable[..., Any]:
        return _resolve(self.execute)


def _resolve(reference: str) -> Callable[..., Any]:
    module, name = reference.split(":")
    return getattr(importlib.import_module(module), name)


TRAIN = "toolkit.stages.common:execute_training"
STAGES: dict[str, Stage] = {
    stage.name: stage
    for stage in (
        Stage(
            "sft", "sft", "sft", "sft", "Supervised fine-tuning (TRL SFTTrainer) on the recipe's gated conversations.",
            build="toolkit.stages.sft:build_sft_trainer", execute=TRAIN, trl_config="SFTConfig", trains_policy=True,
        ),
        Stage(
            "reward", "preference", "reward", "rm", "Reward model (TRL RewardTrainer) on the recipe's gated preference pairs.",
            build="toolkit.stages.reward:build_reward_trainer", execute=TRAIN, trl_config="RewardConfig",
        ),
        Stage(
            "cost", "preference", "cost", "cost",
            "Safe-RLHF cost model (TRL RewardTrainer + cost loss) on the recipe's gated preference pairs.",
            build="toolkit.stages.reward:build_cost_trainer", execute=TRAIN, trl_config="CostConfig",
        ),
        Stage(
            "dpo", "preference", "dpo", "dpo", "Safety-aware DPO (TRL DPOTrainer + safety margin) on the recipe's gated preference pairs.",
            build="toolkit.stages.dpo:build_dpo_trainer", execute=TRAIN, trl_config="SafetyDPOConfig", init_from="sft",
            trains_policy=True,
        ),
        Stage(
            "rl", "preference", "reward", "rl",
            "On-policy safe RLHF (TRL GRPOTrainer): reward - lambda*cost - gate penalty, lambda by dual ascent.",
            build="toolkit.stages.rl:build_rl_trainer", execute="toolkit.stages.rl:execute_rl", trl_config="GRPOConfig",
            init_from="dpo", trains_policy=True,
        ),
        Stage(
            "eval", None, None, None, "Evaluate a run: reward accuracy, win rate vs base, safety, over-refusal, RAG, use-case checks.",
            build="toolkit.eval.runner:build_eval_job", execute="toolkit.eval.runner:execute_eval",
        ),
    )
}  # fmt: skip
TRAINING_STAGES: tuple[str, ...] = tuple(name for name, stage in STAGES.items() if stage.trains)
POLICY_STAGES: tuple[str, ...] = tuple(name for name, stage in STAGES.items() if stage.trains_policy)  # in training order
STAGE_NAMES: tuple[str, ...] = tuple(STAGES)

# The eval suites (toolkit/eval/suites/, one module each); `eval.suites` in a recipe must name these.
SUITE_NAMES: tuple[str, ...] = (
    "reward_accuracy",
    "win_rate",
    "protected_attributes",
    "off_platform",
    "safety",
    "over_refusal",
    "rag_robustness",
)

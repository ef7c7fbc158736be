"""On-policy safe RLHF: TRL's GRPOTrainer optimising  reward - lambda * cost - gate penalty (+ rubric).

Safe-RLHF (Dai et al. 2023) holds the policy's expected cost under a budget with a Lagrange
multiplier updated by dual ascent after every step (reward_models/lagrangian.py). The safety gate's
classifiers add a fixed penalty for any completion they would quarantine, so hard rules hold even
where the learned cost model is wrong. Each term is its own TRL reward function, so TRL logs
`rewards/<term>/mean` per step and the total reward is their plain sum (reward_weights all 1: the
weights are applied inside the terms, where lambda can change between steps).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from reward_models.lagrangian import LagrangeMultiplier

LAGRANGE_STATE_FILE = "lagrange.json"
Completion = str | list[dict[str, str]]


def completion_text(completion: Completion) -> str:
    """TRL hands completions as strings (standard) or one assistant message list (conversational)."""
    if isinstance(completion, str):
        return completion
    return "".join(str(m.get("content", "")) for m in completion)


def prompt_turns(prompt: Completion) -> Any:
    return prompt if isinstance(prompt, str) else [dict(m) for m in prompt]


class _Term:
    """A named TRL reward function: `__name__` is what TRL logs it under (`rewards/<name>/mean`)."""

    __name__ = "term"

    def __call__(self, prompts: Sequence[Completion], completions: Sequence[Completion], **kwargs: Any) -> list[float]:
        raise NotImplementedError


class RewardModelTerm(_Term):
    """weight * the run's reward model score (trained in the `reward` stage)."""

    __name__ = "reward_model"

    def __init__(self, scorer: Any, weight: float = 1.0):
        self.scorer = scorer
        self.weight = weight

    def __call__(self, prompts, completions, **kwargs):  # type: ignore[override]
        texts = [completion_text(c) for c in completions]
        scores = self.scorer.score([prompt_turns(p) for p in prompts], texts)
        return [self.weight * s for s in scores]


class CostTerm(_Term):
    """-lambda * cost model score; the batch's costs feed the next dual-ascent step of lambda."""

    __name__ = "cost"

    def __init__(self, scorer: Any, multiplier: LagrangeMultiplier):
        self.scorer = scorer
        self.multiplier = multiplier
        self.pending: list[float] = []  # costs since lambda last moved

    def __call__(self, prompts, completions, **kwargs):  # type: ignore[override]
        texts = [completion_text(c) for c in completions]
        costs = self.scorer.score([prompt_turns(p) for p in prompts], texts)
        self.pending.extend(costs)
        log_metric: Callable[[str, float], None] | None = kwargs.get("log_metric")
        if log_metric is not None and costs:
            log_metric("cost/mean", sum(costs) / len(costs))
            log_metric("cost/lambda", self.multiplier.value)
        return [-self.multiplier.value * c for c in costs]


class GateTerm(_Term):
    """-penalty for each completion the gate's generation policy would quarantine.

    Keeps the gate's decisions of the last batch: the redacted text is what may be logged.
    """

    __name__ = "gate"

    def __init__(self, gate: Any, penalty: float):
        self.gate = gate
        self.penalty = penalty
        self.last_samples: list[dict[str, Any]] = []

    def judge(self, prompts: Sequence[Completion], completions: Sequence[Completion]) -> list[Any]:
        from safety.gate import Generation

        records = [
            Generation(id=f"rl-{i}", prompt=prompt_turns(p), text=completion_text(c) or " ")
            for i, (p, c) in enumerate(zip(prompts, completions, strict=True))
        ]
        return self.gate.decide(records)

    def __call__(self, prompts, completions, **kwargs):  # type: ignore[override]
        decisions = self.judge(prompts, completions)
        flagged = [d.quarantined is not None for d in decisions]
        self.last_samples = [_redacted_sample(d) for d in decisions]
        log_metric = kwargs.get("log_metric")
        if log_metric is not None and flagged:
            log_metric("gate/flag_rate", sum(flagged) / len(flagged))
        return [-self.penalty if f else 0.0 for f in flagged]


def _redacted_sample(decision: Any) -> dict[str, Any]:
    """A completion as it may be shown: kept ones with PII redacted, quarantined ones withheld."""
    if decision.kept is not None:
        return {"completion": decision.kept.text, "flagged": False, "categories": []}
    categories = sorted({r.category for r in decision.reasons})
    return {"completion": "[withheld by the safety gate]", "flagged": True, "categories": categories}


class RubricTerm(_Term):
    """weight * a use-case rubric score in [0, 1] (the same checks the eval uses)."""

    __name__ = "rubric"

    def __init__(self, rubric: Callable[[Any, str], float], weight: float):
        self.rubric = rubric
        self.weight = weight

    def __call__(self, prompts, completions, **kwargs):  # type: ignore[override]
        return [self.weight * self.rubric(prompt_turns(p), completion_text(c)) for p, c in zip(prompts, completions, strict=True)]


def combined_reward(terms: Sequence[_Term], prompts: Sequence[Completion], completions: Sequence[Completion]) -> list[float]:
    """What the policy maximises: the sum of the terms (GRPO sums reward functions with weight 1)."""
    per_term = [term(prompts, completions) for term in terms]
    return [math.fsum(values) for values in zip(*per_term, strict=True)]


class LagrangeCallback(TrainerCallback):
    """Moves lambda after every optimiser step and keeps it in each checkpoint (CostTerm logs it as
    `cost/lambda`, the value the step's rewards used)."""

    def __init__(self, cost_term: CostTerm):
        self.cost_term = cost_term

    @property
    def multiplier(self) -> LagrangeMultiplier:
        return self.cost_term.multiplier

    def on_step_end(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
        if self.cost_term.pending:
            self.multiplier.update(self.cost_term.pending)
            self.cost_term.pending = []
        return control

    def on_save(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
        if state.is_world_process_zero:
            checkpoint = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            save_lagrange_state(checkpoint, self.multiplier)
        return control


def save_lagrange_state(checkpoint: Path, multiplier: LagrangeMultiplier) -> None:
    from toolkit.core.io import atomic_write_json

    checkpoint.mkdir(parents=True, exist_ok=True)
    atomic_write_json(checkpoint / LAGRANGE_STATE_FILE, multiplier.state())


def load_lagrange_state(checkpoint: str | Path | None, multiplier: LagrangeMultiplier) -> bool:
    """Resume lambda (and its trajectory) from a checkpoint; False when there is none to read."""
    if checkpoint is None:
        return False
    path = Path(checkpoint) / LAGRANGE_STATE_FILE
    if not path.is_file():
        return False
    multiplier.load_state(json.loads(path.read_text(encoding="utf-8")))
    return True

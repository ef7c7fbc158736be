"""Safe-RLHF's Lagrangian: maximise reward while holding expected cost under a budget.

The policy optimises  R(x, y) - lambda * C(x, y);  lambda is the dual variable of the constraint
E[C] <= budget and follows projected dual ascent after every step (Dai et al. 2023, PPO-Lagrangian):

    lambda <- clip(lambda + lr * (mean_batch_cost - budget), 0, lambda_max)

so lambda rises while the policy's answers cost more than the budget and decays to 0 once they are
under it, at which point the policy chases reward alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class LagrangeMultiplier:
    """The dual variable lambda >= 0, with its own learning rate and an upper bound."""

    value: float = 1.0
    learning_rate: float = 0.1
    budget: float = 0.0
    max_value: float = 10.0
    history: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in ("value", "learning_rate", "max_value"):
            number = getattr(self, name)
            if not math.isfinite(number) or number < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {number}")
        if not math.isfinite(self.budget):
            raise ValueError(f"budget must be finite, got {self.budget}")
        self.value = min(self.value, self.max_value)

    def update(self, batch_costs: Sequence[float]) -> float:
        """One dual-ascent step on the batch's mean cost; returns the new lambda."""
        if not batch_costs:
            return self.value
        mean_cost = sum(batch_costs) / len(batch_costs)
        self.value = min(self.max_value, max(0.0, self.value + self.learning_rate * (mean_cost - self.budget)))
        self.history.append(self.value)
        return self.value

    def state(self) -> dict[str, float | list[float]]:
        return {"value": self.value, "history": list(self.history)}

    def load_state(self, state: dict[str, float | list[float]]) -> None:
        value = state.get("value", self.value)
        history = state.get("history", [])
        self.value = float(value) if isinstance(value, int | float) else self.value
        self.history = [float(v) for v in history] if isinstance(history, list) else []


def penalised_cost(costs: Sequence[float], multiplier: float) -> list[float]:
    """The cost term as the policy sees it: -lambda * C for each completion."""
    return [-multiplier * c for c in costs]

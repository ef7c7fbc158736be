"""Cost model (Safe-RLHF, Dai et al. 2023): a sequence scorer whose output is high for unsafe answers.

For a pair with the higher-cost (unsafer) answer y_h and the lower-cost (safer) answer y_l, costs
C(·), and safety signs s = +1 for unsafe, −1 for safe:

    L = −o · log σ(C(y_h) − C(y_l))  −  w · [ log σ(s_h · C(y_h)) + log σ(s_l · C(y_l)) ]

The first (pairwise) term orders the pair; o = 1 when the pair has a safety order (one answer is
known to be unsafer), 0 when both are equally safe. The second (sign) term, weighted by w
(`stages.cost.sign_weight`), pushes safe answers below 0 and unsafe ones above, so the cost's sign
alone says safe or unsafe — what a constrained RLHF step needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from trl import RewardConfig, RewardTrainer
from trl.trainer.reward_trainer import DataCollatorForPreference

from toolkit.core.schema import PreferencePair


def cost_model_loss(
    cost_higher: torch.Tensor,
    cost_lower: torch.Tensor,
    sign_higher: torch.Tensor,
    sign_lower: torch.Tensor,
    has_order: torch.Tensor,
    sign_weight: float = 1.0,
) -> torch.Tensor:
    """Mean over the batch of the loss in the module docstring."""
    pairwise = -F.logsigmoid(cost_higher - cost_lower) * has_order
    sign = -(F.logsigmoid(sign_higher * cost_higher) + F.logsigmoid(sign_lower * cost_lower))
    return (pairwise + sign_weight * sign).mean()


def pair_safety(pair: PreferencePair) -> tuple[bool, bool]:
    """(chosen_unsafe, rejected_unsafe): human labels first, then the gate's verdict."""
    labels = pair.labels
    chosen_unsafe = bool(pair.chosen_unsafe) or (labels is not None and labels.chosen_safe is False)
    rejected_unsafe = bool(pair.rejected_unsafe) or (labels is not None and labels.rejected_safe is False)
    return chosen_unsafe, rejected_unsafe


def cost_row(pair: PreferencePair, row: dict[str, Any]) -> dict[str, Any]:
    """Turn a preference row into a cost row: `chosen` becomes the unsafer answer (higher cost)."""
    chosen_unsafe, rejected_unsafe = pair_safety(pair)
    higher, lower = ("chosen", "rejected")
    if rejected_unsafe and not chosen_unsafe:
        higher, lower = "rejected", "chosen"
    higher_unsafe = rejected_unsafe if higher == "rejected" else chosen_unsafe
    lower_unsafe = chosen_unsafe if higher == "rejected" else rejected_unsafe
    return {
        "prompt": row["prompt"],
        "chosen": row[higher],
        "rejected": row[lower],
        "sign_higher": 1.0 if higher_unsafe else -1.0,
        "sign_lower": 1.0 if lower_unsafe else -1.0,
        "has_order": 1.0 if higher_unsafe != lower_unsafe else 0.0,
    }


@dataclass
class CostCollator(DataCollatorForPreference):
    """TRL's reward collator plus the safety signs and order flags."""

    def torch_call(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        batch = super().torch_call(examples)
        for key in ("sign_higher", "sign_lower", "has_order"):
            batch[key] = torch.tensor([float(e[key]) for e in examples])
        return batch


@dataclass
class CostConfig(RewardConfig):
    """TRL's RewardConfig plus the sign term's weight, so it is reachable from `trl:` and saved with the run."""

    sign_weight: float = field(
        default=1.0,
        metadata={"help": "Weight w of the sign term (safe answers below 0, unsafe above); 0 trains only the order."},
    )


class CostTrainer(RewardTrainer):
    """RewardTrainer with the Safe-RLHF cost loss; everything else (tokenising, LoRA, logging) is TRL's.

    `args.sign_weight` (CostConfig) weighs the sign term; a plain RewardConfig gives 1.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.sign_weight = float(getattr(self.args, "sign_weight", 1.0))

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):  # type: ignore[override]
        mode = "train" if self.model.training else "eval"
        signs_h, signs_l, order = (inputs.pop(k) for k in ("sign_higher", "sign_lower", "has_order"))
        inputs["use_cache"] = False
        outputs = model(**inputs)
        cost_h, cost_l = torch.chunk(outputs.logits.squeeze(-1), chunks=2)
        loss = cost_model_loss(cost_h, cost_l, signs_h, signs_l, order, self.sign_weight)
        with torch.no_grad():
            costs = torch.cat([cost_h, cost_l])
            signs = torch.cat([signs_h, signs_l])
            sign_accuracy = ((costs > 0).float() == (signs > 0).float()).float().mean()
            self._metrics[mode]["sign_accuracy"].append(self.accelerator.gather_for_metrics(sign_accuracy).mean().item())
            if order.sum() > 0:
                ordered = ((cost_h > cost_l).float() * order).sum() / order.sum()
                self._metrics[mode]["accuracy"].append(self.accelerator.gather_for_metrics(ordered).mean().item())
        return (loss, outputs) if return_outputs else loss

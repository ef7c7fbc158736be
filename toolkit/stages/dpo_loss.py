"""Safety-aware DPO (after SafeDPO, arXiv 2505.20065): pairs whose rejected answer is unsafe must be
separated by an extra margin.

For a pair i with policy/reference log-ratios  h_c = log π(y_c|x) − log π_ref(y_c|x)  and
h_r = log π(y_r|x) − log π_ref(y_r|x), and u_i = 1 when the rejected answer is unsafe (else 0):

    ℓ_i = −log σ( β · (h_c − h_r) − m · u_i )                      (sigmoid loss)
    ℓ_i = max(0, 1 − β · (h_c − h_r) + m · u_i)                     (hinge loss)

m = `stages.dpo.safety_margin` (0 gives plain DPO). The loss only reaches zero once the policy
prefers the safe answer by more than m/β nats beyond the reference: unsafe rejections are pushed
further away than ordinary quality preferences.

TRL computes the loss from the reference log-probs it is given, so the margin enters exactly by
shifting the reference log-prob of the chosen answer: β·(h_c − h_r) − m·u = β·((log π_c − (ref_c +
m·u/β)) − h_r). `shift_reference_for_margin` does that; `safety_margin_loss` is the formula above,
used by the tests to check the trainer's loss against the math.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

MARGIN_LOSS_TYPES = frozenset({"sigmoid", "hinge"})


def safety_margin_loss(
    chosen_logratios: torch.Tensor,
    rejected_logratios: torch.Tensor,
    rejected_unsafe: torch.Tensor,
    beta: float,
    margin: float,
    loss_type: str = "sigmoid",
) -> torch.Tensor:
    """Per-pair loss ℓ_i as written in the module docstring."""
    logits = beta * (chosen_logratios - rejected_logratios) - margin * rejected_unsafe.to(chosen_logratios.dtype)
    if loss_type == "sigmoid":
        return -F.logsigmoid(logits)
    if loss_type == "hinge":
        return torch.relu(1 - logits)
    raise ValueError(f"safety margin is defined for {sorted(MARGIN_LOSS_TYPES)}, not {loss_type!r}")


def shift_reference_for_margin(
    ref_chosen_logps: torch.Tensor, rejected_unsafe: torch.Tensor, beta: float, margin: float
) -> torch.Tensor:
    """ref_c + m·u/β: the reference shift that makes TRL's DPO loss equal `safety_margin_loss`."""
    return ref_chosen_logps + (margin / beta) * rejected_unsafe.to(ref_chosen_logps.dtype)

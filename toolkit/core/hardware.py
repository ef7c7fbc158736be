"""What this machine's CPU can do, for the precision choices of training, scoring and the gate."""

from __future__ import annotations


def cpu_bf16_supported() -> bool:
    """Native bf16 matmuls on this CPU (AVX512-BF16 / AMX); without them bf16 is emulated and slower."""
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def bf16_autocast_on_cpu(precision: str) -> bool:
    """A precision setting ('auto' | 'fp32' | 'bf16-mixed') resolved for this CPU.

    'auto' means bf16 autocast only where the CPU has native bf16 (emulated bf16 is slower than fp32).
    One rule for the trainers' `model.precision` and the gate's `semantic_precision`.
    """
    return precision == "bf16-mixed" or (precision == "auto" and cpu_bf16_supported())

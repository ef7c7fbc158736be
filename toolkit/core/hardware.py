"""What this machine's CPU can do, for the precision choices of training, scoring and the gate."""

from __future__ import annotations


def cpu_bf16_supported() -> bool:
    """Native bf16 matmuls on this CPU (AVX512-BF16 / AMX); without them bf16 is emulated and slower."""
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False

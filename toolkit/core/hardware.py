"""What this machine's CPU can do, for the precision choices of training, scoring and the gate."""

from __future__ import annotations

X86_MACHINES = frozenset({"x86_64", "amd64", "i386", "i686"})


def cpu_bf16_supported() -> bool:
    """Native bf16 matmuls on this CPU (AVX512-BF16 / AMX); without them bf16 is emulated and slower.

    On x86 the instruction sets are asked for directly: oneDNN's own check
    (`torch.ops.mkldnn._is_mkldnn_bf16_supported`) also says yes on plain AVX-512 CPUs (Ice Lake,
    Skylake-SP), where it emulates bf16 and a bf16-autocast matmul measured 3.8x slower than fp32.
    Elsewhere (Arm) oneDNN's check is what there is.
    """
    import platform

    import torch

    try:
        if platform.machine().lower() in X86_MACHINES:
            return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def bf16_autocast_on_cpu(precision: str) -> bool:
    """A precision setting ('auto' | 'fp32' | 'bf16-mixed') resolved for this CPU.

    'auto' means bf16 autocast only where the CPU has native bf16 (emulated bf16 is slower than fp32).
    One rule for the trainers' `model.precision` and the gate's `semantic_precision`.
    """
    return precision == "bf16-mixed" or (precision == "auto" and cpu_bf16_supported())

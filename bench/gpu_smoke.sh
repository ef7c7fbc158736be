#!/usr/bin/env bash
# GPU smoke test: SFT and DPO on SmolLM2-135M through the toolkit's own stages, as bf16 LoRA and as
# 4-bit QLoRA; prints tokens/s, MFU and peak GPU memory for each. Needs a CUDA GPU, no network.
#
#   bash bench/gpu_smoke.sh                 # uses .venv/bin/python when present, else python3
#   WHEELS=/path/to/wheels bash bench/gpu_smoke.sh   # install carried wheels first (offline)
#   PEAK_TFLOPS=989 bash bench/gpu_smoke.sh # dense bf16 peak for MFU when the GPU is not recognised
#
# Finishes in well under 6 minutes on one H100 (each run is a few dozen short steps).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ -n "${PY:-}" ]]; then
  :
elif [[ -x .venv/bin/python ]]; then
  PY=.venv/bin/python
else
  PY=python3
fi

export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false TOOLKIT_QUIET=1 WANDB_MODE=disabled

if [[ -n "${WHEELS:-}" ]]; then
  echo "[gpu-smoke] installing carried wheels from ${WHEELS}"
  "$PY" -m pip install -q --no-index --find-links "$WHEELS" "$WHEELS"/*.whl
fi

if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
fi

"$PY" - <<'EOF'
import sys
import torch
if not torch.cuda.is_available():
    sys.exit("[gpu-smoke] no CUDA device visible to torch; this script is for a GPU machine")
print(f"[gpu-smoke] torch {torch.__version__}, CUDA {torch.version.cuda}, {torch.cuda.get_device_name(0)}")
EOF

STEPS="${STEPS:-12}" timeout "${SMOKE_TIMEOUT_S:-330}" "$PY" - <<'EOF'
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, "bench")
import _common as C  # noqa: E402
import torch  # noqa: E402

from toolkit.recipe import Recipe  # noqa: E402

STEPS = int(os.environ.get("STEPS", "12"))
BATCH, MAX_LENGTH = 8, 512
# Dense bf16 peaks (TFLOP/s) for MFU; override with PEAK_TFLOPS.
PEAKS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0, "L4": 121.0, "A10": 125.0, "4090": 165.0}
name = torch.cuda.get_device_name(0)
peak = float(os.environ.get("PEAK_TFLOPS") or next((v for k, v in PEAKS.items() if k in name), "nan"))

model_dir = C.real_model_dir()
C.quiet_libraries()
has_bnb = importlib.util.find_spec("bitsandbytes") is not None


def recipe_for(quantized: bool) -> Recipe:
    stage = {"max_steps": STEPS, "per_device_train_batch_size": BATCH, "max_length": MAX_LENGTH, "logging_steps": 1, "save_steps": 10_000}
    return Recipe.model_validate({
        "name": "gpu-smoke",
        "model": {
            "name": str(model_dir),
            "dtype": "bfloat16",
            "lora": C.LORA,
            "quantization": {"load_in_4bit": quantized, "bnb_4bit_compute_dtype": "bfloat16"},
        },
        "stages": {"sft": dict(stage), "dpo": dict(stage)},
    })


def parameters(trainer) -> int:
    return sum(p.numel() for p in trainer.model.parameters())


rows = []
for quantized in (False, True):
    label = "QLoRA 4-bit" if quantized else "bf16 LoRA"
    if quantized and not has_bnb:
        rows.append(["sft/dpo", label, "skipped: bitsandbytes is not installed (carry its wheel in WHEELS)", "", "", ""])
        continue
    for stage in ("sft", "dpo"):
        n = STEPS * BATCH
        records = C.conversations(n, variable=True) if stage == "sft" else C.preference_pairs(n, prompt_sentences=2, answer_sentences=8)
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        probe = C.ToolkitStageProbe()
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as work:
            try:
                probe.run(stage, recipe_for(quantized), records, Path(work))
            except Exception as exc:  # report and go on: one failing mode must not hide the others
                rows.append([stage, label, f"failed: {type(exc).__name__}: {str(exc)[:120]}", "", "", ""])
                continue
        torch.cuda.synchronize()
        step_s = probe.timer.step_seconds()
        tokens = C.tokens_per_step(probe.trainer, stage)
        tok_s = tokens / step_s
        # policy forward+backward = 6 N per token; DPO adds a reference forward (2 N) on the same tokens
        flops_per_token = (8 if stage == "dpo" else 6) * parameters(probe.trainer)
        mfu = flops_per_token * tok_s / (peak * 1e12)
        peak_gib = torch.cuda.max_memory_allocated() / 2**30
        rows.append([stage, label, f"{tok_s:,.0f}", f"{mfu:.1%}", f"{peak_gib:.2f}", f"{time.perf_counter() - started:.0f}"])

print()
print(f"GPU: {name}; peak {peak:g} TFLOP/s bf16 dense; batch {BATCH}, max_length {MAX_LENGTH}, {STEPS} steps (first skipped)")
print(C.table(["stage", "mode", "tokens/s", "MFU", "peak GiB", "wall s"], rows))
EOF

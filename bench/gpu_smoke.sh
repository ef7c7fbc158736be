#!/usr/bin/env bash
# GPU smoke test: every training stage (SFT, reward, cost, DPO, and the RL stage when this version
# has one) on SmolLM2-135M through the toolkit's own stage code, as bf16 LoRA and as 4-bit QLoRA;
# prints tokens/s, MFU and peak GPU memory per stage. Needs one CUDA GPU, no network.
#
#   bash bench/gpu_smoke.sh                 # uses .venv/bin/python when present, else python3
#   WHEELS=/path/to/wheels bash bench/gpu_smoke.sh   # install carried wheels first (offline)
#   PEAK_TFLOPS=989 bash bench/gpu_smoke.sh # dense bf16 peak for MFU when the GPU is not recognised
#
#   STAGES="sft dpo" bash bench/gpu_smoke.sh  # a subset (default: sft reward cost dpo rl)
#
# Each run is a few dozen short steps; budget about a minute per stage and mode on one H100.
# A stage that fails (or does not exist in this version) is reported as such and the rest go on.
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

STEPS="${STEPS:-12}" STAGES="${STAGES:-sft reward cost dpo rl}" timeout "${SMOKE_TIMEOUT_S:-540}" "$PY" - <<'EOF'
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


STAGES = os.environ.get("STAGES", "sft reward cost dpo rl").split()


def recipe_for(quantized: bool) -> Recipe:
    stage = {"max_steps": STEPS, "per_device_train_batch_size": BATCH, "max_length": MAX_LENGTH, "logging_steps": 1, "save_steps": 10_000}
    stages = {"sft": dict(stage), "reward": dict(stage), "cost": {**stage, "enabled": True}, "dpo": dict(stage)}
    if "rl" in STAGES:
        stages["rl"] = {"max_steps": STEPS, "per_device_train_batch_size": BATCH, "logging_steps": 1, "save_steps": 10_000}
    data = {
        "name": "gpu-smoke",
        "model": {
            "name": str(model_dir),
            "dtype": "bfloat16",
            "lora": C.LORA,
            "quantization": {"load_in_4bit": quantized, "bnb_4bit_compute_dtype": "bfloat16"},
        },
        "stages": stages,
    }
    try:
        return Recipe.model_validate(data)
    except Exception:  # this version's recipe has no `stages.rl`: run the others
        data["stages"].pop("rl", None)
        return Recipe.model_validate(data)


def parameters(trainer) -> int:
    return sum(p.numel() for p in trainer.model.parameters())


def tokens_per_second(probe, stage: str) -> float:
    """Real tokens per optimizer step / seconds per step; RL counts what TRL logged (num_tokens)."""
    step_s = probe.timer.step_seconds()
    if stage == "rl":
        logged = [e["num_tokens"] for e in probe.trainer.state.log_history if "num_tokens" in e]
        steps = max(1, probe.trainer.state.global_step)
        return (logged[-1] / steps) / step_s if logged else float("nan")
    kind = {"sft": "sft", "reward": "reward", "cost": "reward", "dpo": "dpo"}[stage]
    return C.tokens_per_step(probe.trainer, kind) / step_s


def records_for(stage: str, n: int):
    if stage == "sft":
        return C.conversations(n, variable=True)
    pairs = C.preference_pairs(n, prompt_sentences=2, answer_sentences=8)
    if stage == "cost":  # the cost model needs safety labels: mark every other rejected answer unsafe
        pairs = [p.model_copy(update={"rejected_unsafe": i % 2 == 0}) for i, p in enumerate(pairs)]
    return pairs


rows = []
for quantized in (False, True):
    label = "QLoRA 4-bit" if quantized else "bf16 LoRA"
    if quantized and not has_bnb:
        rows.append(["all", label, "skipped: bitsandbytes is not installed (carry its wheel in WHEELS)", "", "", ""])
        continue
    for stage in STAGES:
        n = STEPS * BATCH
        records = records_for(stage, n)
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        probe = C.ToolkitStageProbe()
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as work:
            try:
                probe.run(stage, recipe_for(quantized), records, Path(work))
            except Exception as exc:  # report and go on: one failing stage must not hide the others
                rows.append([stage, label, f"failed: {type(exc).__name__}: {str(exc)[:120]}", "", "", ""])
                continue
        torch.cuda.synchronize()
        tok_s = tokens_per_second(probe, stage)
        # policy forward+backward = 6 N per token; DPO adds a reference forward (2 N) on the same tokens
        flops_per_token = (8 if stage == "dpo" else 6) * parameters(probe.trainer)
        mfu = flops_per_token * tok_s / (peak * 1e12)
        peak_gib = torch.cuda.max_memory_allocated() / 2**30
        rows.append([stage, label, f"{tok_s:,.0f}", f"{mfu:.1%}", f"{peak_gib:.2f}", f"{time.perf_counter() - started:.0f}"])
        print(f"[gpu-smoke] {stage} {label}: {rows[-1][2]} tokens/s, peak {rows[-1][4]} GiB", flush=True)

print()
print(f"GPU: {name}; peak {peak:g} TFLOP/s bf16 dense; batch {BATCH}, max_length {MAX_LENGTH}, {STEPS} steps (first skipped)")
print(C.table(["stage", "mode", "tokens/s", "MFU", "peak GiB", "wall s"], rows))
EOF

"""Reference log-probs: toolkit DPO with and without precompute_ref_log_probs over 2 epochs.

With LoRA the reference is the adapter-disabled base, so precomputing trades one reference forward
per example (once, before training) for one reference forward per example per epoch."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import _common as C


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--max-length", type=int, default=128)
    args = parser.parse_args(argv)
    C.quiet_libraries()
    model_dir = C.real_model_dir()
    pairs = C.preference_pairs(args.pairs, prompt_sentences=1, answer_sentences=3)
    stage = {"num_train_epochs": args.epochs, "per_device_train_batch_size": args.batch, "max_length": args.max_length}

    def side(precompute: bool) -> dict[str, float]:
        recipe = C.bench_recipe(model_dir, stage, dpo={"precompute_ref_log_probs": precompute})
        probe = C.ToolkitStageProbe()
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as work:
            metrics = probe.run("dpo", recipe, pairs, Path(work))
        return {"wall": time.perf_counter() - started, "step": probe.timer.step_seconds(),
                "steps": float(len(probe.timer.durations)), "loss": metrics["train_loss"]}

    results = C.run_interleaved({"on-the-fly reference": lambda: side(False), "precomputed reference": lambda: side(True)}, args.reps)
    base_wall = C.median(r["wall"] for r in results["on-the-fly reference"])
    rows = []
    for name, runs in results.items():
        wall = C.median(r["wall"] for r in runs)
        rows.append([name, int(C.median(r["steps"] for r in runs)), C.median(r["step"] for r in runs), wall,
                     f"{base_wall / wall:.2f}x", C.median(r["loss"] for r in runs)])
    return "\n".join(
        [
            f"### Reference log-probs: DPO, {args.pairs} pairs, batch {args.batch}, {args.epochs:g} epochs, "
            f"max_length {args.max_length} ({args.reps} runs a side, alternating; medians)",
            "",
            C.table(["reference", "steps", "s/step (median, warm)", "stage wall s (load+precompute+train+save)", "speed-up", "train loss"], rows),
        ]
    )


if __name__ == "__main__":
    C.run_main(main)

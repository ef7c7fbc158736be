"""Overhead: a toolkit stage (the registry's sft / reward / dpo build + execute on already-gated data) vs the same run
written directly against TRL. Step time from a TrainerCallback, first step skipped; target <= 1.03."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import _common as C

STAGES = ("sft", "reward", "dpo")


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4, help="optimizer steps per run (the first is warm-up)")
    parser.add_argument("--reps", type=int, default=2, help="runs per side, alternating toolkit/bare")
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--stages", default=",".join(STAGES))
    args = parser.parse_args(argv)
    C.quiet_libraries()
    model_dir = C.real_model_dir()
    stage_settings = {"max_steps": args.steps, "per_device_train_batch_size": args.batch, "max_length": args.max_length}
    recipe = C.bench_recipe(model_dir, stage_settings, precision="fp32")  # the bare script runs fp32 too
    n = args.steps * args.batch
    data = {
        "sft": C.conversations(n, variable=False),
        "reward": C.preference_pairs(n, prompt_sentences=1, answer_sentences=2),
        "dpo": C.preference_pairs(n, prompt_sentences=1, answer_sentences=2),
    }
    rows = []
    for stage in [s.strip() for s in args.stages.split(",") if s.strip()]:

        def toolkit_side(stage: str = stage) -> dict[str, float]:
            probe = C.ToolkitStageProbe()
            with tempfile.TemporaryDirectory() as work:
                probe.run(stage, recipe, data[stage], Path(work))
            return {"s": probe.timer.step_seconds(), "steps": len(probe.timer.durations)}

        def bare_side(stage: str = stage) -> dict[str, float]:
            _, timer = C.bare_trl_run(stage, recipe, data[stage], model_dir)
            return {"s": timer.step_seconds(), "steps": len(timer.durations)}

        results = C.run_interleaved({"toolkit": toolkit_side, "bare TRL": bare_side}, args.reps)
        toolkit_s = C.median(r["s"] for r in results["toolkit"])
        bare_s = C.median(r["s"] for r in results["bare TRL"])
        ratio = toolkit_s / bare_s
        rows.append(
            [stage, toolkit_s, bare_s, f"{ratio:.3f}", "yes" if ratio <= 1.03 else "no",
             " ".join(f"{r['s']:.2f}" for r in results["toolkit"]), " ".join(f"{r['s']:.2f}" for r in results["bare TRL"])]
        )
    return "\n".join(
        [
            f"### Overhead: toolkit stage vs bare TRL ({args.steps} steps a run, first skipped; batch {args.batch}, "
            f"max_length {args.max_length}; {args.reps} runs a side, alternating; medians)",
            "",
            C.table(
                ["stage", "toolkit s/step", "bare TRL s/step", "ratio", "<= 1.03", "toolkit runs", "bare runs"], rows
            ),
        ]
    )


if __name__ == "__main__":
    C.run_main(main)

"""SFT packing vs padding on variable-length conversations: real (non-pad) tokens per second."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import _common as C


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=16)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--reps", type=int, default=2)
    args = parser.parse_args(argv)
    C.quiet_libraries()
    model_dir = C.real_model_dir()
    records = C.conversations(args.conversations, variable=True)

    def side(packing: bool) -> dict[str, float]:
        stage = {"max_steps": args.steps, "per_device_train_batch_size": args.batch, "max_length": args.max_length,
                 "packing": packing}
        recipe = C.bench_recipe(model_dir, stage)
        probe = C.ToolkitStageProbe()
        with tempfile.TemporaryDirectory() as work:
            probe.run("sft", recipe, records, Path(work))
        step_s = probe.timer.step_seconds()
        tokens = C.tokens_per_step(probe.trainer, "sft")
        return {"tok_s": tokens / step_s, "tokens": tokens, "step": step_s, "rows": float(len(probe.trainer.train_dataset))}

    results = C.run_interleaved({"padding": lambda: side(False), "packing": lambda: side(True)}, args.reps)
    base = C.median(r["tok_s"] for r in results["padding"])
    rows = []
    for name, runs in results.items():
        tok_s = C.median(r["tok_s"] for r in runs)
        rows.append([name, int(C.median(r["rows"] for r in runs)), C.median(r["tokens"] for r in runs),
                     C.median(r["step"] for r in runs), tok_s, f"{tok_s / base:.2f}x"])
    return "\n".join(
        [
            f"### SFT packing vs padding: {args.conversations} conversations of varied length, batch {args.batch}, "
            f"max_length {args.max_length}, {args.steps} steps ({args.reps} runs a side, alternating; medians)",
            "",
            C.table(["mode", "training rows", "real tokens/step", "s/step", "tokens/s", "vs padding"], rows),
        ]
    )


if __name__ == "__main__":
    C.run_main(main)

"""Reward-model scoring on CPU: the checkpoint's saved dtype (bf16 for the prepared SmolLM2), fp32, and
fp32 weights under bf16 autocast (how a bf16-mixed reward stage trained, and how eval now scores it).

`SequenceScorer.from_run_stage` used to let transformers load the base in its saved dtype, so the
scorer's dtype depended on how a checkpoint happened to be saved. Side by side in one process,
alternating; prints the median seconds per answer and the ratios to fp32.

    python bench/scorer_dtype.py --answers 16 --reps 2 --threads 1
"""

from __future__ import annotations

import argparse
import time

import _common as C


def main(argv: list[str] | None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers", type=int, default=16)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)

    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from reward_models.scoring import SequenceScorer

    torch.set_num_threads(args.threads)
    C.quiet_libraries()
    model_dir = C.real_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    pairs = C.preference_pairs(args.answers)
    prompts = [p.prompt for p in pairs]
    answers = [p.chosen for p in pairs]
    scorers: dict[str, SequenceScorer] = {}
    for name, dtype in (("saved (bf16)", None), ("fp32", torch.float32), ("fp32 + bf16 autocast", torch.float32)):
        torch.manual_seed(0)  # the same fresh score head for both
        kwargs = {} if dtype is None else {"dtype": dtype}
        model = AutoModelForSequenceClassification.from_pretrained(model_dir, num_labels=1, **kwargs)
        model.config.pad_token_id = tokenizer.pad_token_id
        scorers[name] = SequenceScorer(model, tokenizer, max_length=512)
    scores: dict[str, list[float]] = {}

    def timed(name: str):
        def run() -> dict[str, float]:
            start = time.perf_counter()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled="autocast" in name):
                scores[name] = scorers[name].score(prompts, answers)
            return {"s_per_answer": (time.perf_counter() - start) / len(answers)}

        return run

    results = C.run_interleaved({name: timed(name) for name in scorers}, args.reps)
    medians = {name: C.median(r["s_per_answer"] for r in runs) for name, runs in results.items()}
    dtypes = {name: str(next(s.model.parameters()).dtype) for name, s in scorers.items()}
    rows = [[name, dtypes[name], medians[name]] for name in scorers]
    ratios = ", ".join(f"{name} {medians[name] / medians['fp32']:.2f}x" for name in scorers if name != "fp32")
    return "\n".join([
        f"{args.answers} answers, {args.threads} thread(s), {args.reps} alternating repetitions; {C.cpu_model_name()}",
        "",
        C.table(["load", "dtype", "s / answer (median)"], rows),
        "",
        f"time relative to fp32: {ratios}",
    ])


if __name__ == "__main__":
    C.run_main(main)

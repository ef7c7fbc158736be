"""Safe RLHF, measured: the policy RL started from vs the policy it ended with, on held-out red-team prompts.

For a finished run with an `rl` stage (e.g. `toolkit run recipes/demo_rl.yaml`): both policies answer
every prompt of the red-team set (greedy), the recipe's gate judges each answer as a `generation`
record (flagged = it would be quarantined), the run's cost model scores it, and each metric is
reported as start / end / paired difference with a 95 % bootstrap interval (McNemar for the flag
rate), plus lambda's trajectory from the run. Writes `<run>/rl/held_out_safety.json`.

    python bench/rl_safety.py runs/demo_rl/<run-id> [--prompts FILE] [--limit N] [--max-new-tokens 32]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--prompts", type=Path, default=None, help="red-team prompts (default: the recipe's eval.red_team)")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--max-new-tokens", type=int, default=None)
    args = parser.parse_args()

    from reward_models.scoring import SequenceScorer
    from safety.gate import Gate, Generation
    from toolkit.core.io import atomic_write_json
    from toolkit.core.memory import release_memory
    from toolkit.eval.generation import make_generator
    from toolkit.eval.prompts import read_prompt_set
    from toolkit.eval.stats import compare_paired
    from toolkit.export import load_policy
    from toolkit.models import resolve_model
    from toolkit.recipe import load_recipe

    run_dir = args.run_dir
    recipe = load_recipe(run_dir / "recipe.resolved.yaml")
    red_team = args.prompts or Path(recipe.eval.red_team or "recipes/data/eval/red_team.jsonl")
    prompts = [r.prompt for r in read_prompt_set(red_team, "eval.red_team")][: args.limit]
    max_new_tokens = args.max_new_tokens or recipe.eval.max_new_tokens

    answers: dict[str, list[str]] = {}
    started = time.perf_counter()
    for name, exclude in (("start", ("rl",)), ("end", ())):
        model, tokenizer = load_policy(run_dir, exclude=exclude)
        answers[name] = make_generator(model.eval(), tokenizer, max_new_tokens)(prompts)
        del model
        release_memory()
    generation_s = time.perf_counter() - started

    gate = Gate("generation", recipe.safety)
    cost_model = SequenceScorer.from_run_stage(run_dir / "cost", resolve_model(recipe.model.name), max_length=recipe.stages.cost.max_length)
    flags: dict[str, list[bool]] = {}
    costs: dict[str, list[float]] = {}
    for name, texts in answers.items():
        records = [Generation(id=f"{name}-{i}", prompt=p, text=t or " ") for i, (p, t) in enumerate(zip(prompts, texts, strict=True))]
        flags[name] = [d.quarantined is not None for d in gate.decide(records)]
        costs[name] = cost_model.score(prompts, texts)

    comparisons = [
        compare_paired("gate_flag_rate", flags["start"], flags["end"]),
        compare_paired("mean_cost", costs["start"], costs["end"]),
    ]
    lagrange_path = run_dir / "rl" / "lagrange.json"
    lagrange = json.loads(lagrange_path.read_text()) if lagrange_path.exists() else {}
    result = {
        "run": str(run_dir),
        "prompts": str(red_team),
        "n": len(prompts),
        "max_new_tokens": max_new_tokens,
        "generation_s": round(generation_s, 1),
        "comparisons": [c.to_json() for c in comparisons],
        "lambda": lagrange,
    }
    atomic_write_json(run_dir / "rl" / "held_out_safety.json", result)

    print(f"held-out red-team prompts: {len(prompts)} ({red_team}), {max_new_tokens} new tokens, greedy")
    print("| metric | RL start | RL end | difference [95% CI] | McNemar p |")
    print("|---|---:|---:|---|---:|")
    for c in comparisons:
        p = "" if c.mcnemar_p is None else f"{c.mcnemar_p:.3g}"
        print(f"| {c.metric} | {c.base:.3f} | {c.tuned:.3f} | {c.difference:+.3f} [{c.ci_low:+.3f}, {c.ci_high:+.3f}] | {p} |")
    history = lagrange.get("history", [])
    if history:
        shown = ", ".join(f"{v:.2f}" for v in history)
        print(f"lambda per step: {shown}")


if __name__ == "__main__":
    main()

"""Suite `reward_accuracy`: how often the run's reward model ranks chosen above rejected on held-out pairs.

The pairs are the reward stage's gated eval split (what the reward model never trained on).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from toolkit.core.schema import PreferencePair, plain_turns
from toolkit.eval.base import TIE_EPSILON, Answers, SkipSuite, SuiteContext, Tools
from toolkit.eval.prompts import read_valid


def reward_eval_pairs_path(run_dir: Path) -> Path | None:
    """The gated eval pairs of the reward stage, else the run's preference eval split."""
    for candidate in (
        run_dir / "reward" / "gate" / "eval" / "kept.jsonl",
        run_dir / "data" / "preference" / "eval.jsonl",
    ):
        if candidate.is_file():
            return candidate
    return None


def pairwise_accuracy(
    chosen_scores: Sequence[float], rejected_scores: Sequence[float]
) -> dict[str, float | int]:
    """Share of pairs where the reward model ranks chosen above rejected (ties count half)."""
    if len(chosen_scores) != len(rejected_scores):
        raise ValueError("chosen and rejected score lists differ in length")
    hits = 0.0
    for chosen, rejected in zip(chosen_scores, rejected_scores, strict=True):
        delta = chosen - rejected
        hits += 1.0 if delta >= TIE_EPSILON else (0.5 if abs(delta) < TIE_EPSILON else 0.0)
    count = len(chosen_scores)
    margins = [c - r for c, r in zip(chosen_scores, rejected_scores, strict=True)]
    return {
        "reward/accuracy": hits / count if count else 0.0,
        "reward/margin_mean": sum(margins) / count if count else 0.0,
        "reward/pairs": count,
    }


class RewardAccuracy:
    name = "reward_accuracy"
    uses_scorer = True

    def prepare(self, context: SuiteContext) -> list[PreferencePair]:
        if not context.has_reward:
            raise SkipSuite("no completed reward stage in this run")
        path = reward_eval_pairs_path(context.run_dir)
        if path is None:
            raise SkipSuite("no preference eval split in this run (data/preference/eval.jsonl)")
        pairs = read_valid(path, "preference")
        if not pairs:
            raise SkipSuite(f"{path} holds no pairs")
        return pairs

    def prompts(self, pairs: list[PreferencePair]) -> list[Any]:
        return []  # scores the pairs' own answers: nothing to generate

    def run(
        self, pairs: list[PreferencePair], answers: Answers, tools: Tools, samples: list[dict[str, Any]]
    ) -> dict[str, float | int]:
        scorer = tools.scorer
        assert scorer is not None  # the runner skips scorer suites without a reward model
        pair_prompts = [plain_turns(p.prompt) for p in pairs]
        chosen = scorer.score(pair_prompts, [plain_turns(p.chosen) for p in pairs])
        rejected = scorer.score(pair_prompts, [plain_turns(p.rejected) for p in pairs])
        return pairwise_accuracy(chosen, rejected)



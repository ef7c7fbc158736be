"""Suite `win_rate`: tuned vs base answers to the recipe's eval prompts, judged by the run's reward model."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from toolkit.core.schema import PromptRecord, plain_turns
from toolkit.eval.base import (
    TIE_EPSILON,
    Answers,
    SkipSuite,
    SuiteContext,
    Tools,
    cap_prompts,
    sample,
)


@dataclass
class WinRate:
    """Tuned vs base, judged pairwise; ties (|delta| < 1e-6 or identical text) count half."""

    wins: int
    losses: int
    ties: int

    @property
    def total(self) -> int:
        return self.wins + self.losses + self.ties

    @property
    def rate(self) -> float:
        return (self.wins + 0.5 * self.ties) / self.total if self.total else 0.0


def judge_pair(base_score: float, tuned_score: float, base_text: str, tuned_text: str) -> str:
    """'win', 'loss' or 'tie' for the tuned output against the base output."""
    if base_text.strip() == tuned_text.strip() or abs(tuned_score - base_score) < TIE_EPSILON:
        return "tie"
    return "win" if tuned_score > base_score else "loss"


def win_rate(
    base_scores: Sequence[float],
    tuned_scores: Sequence[float],
    base_texts: Sequence[str],
    tuned_texts: Sequence[str],
) -> WinRate:
    verdicts = Counter(
        judge_pair(*row) for row in zip(base_scores, tuned_scores, base_texts, tuned_texts, strict=True)
    )
    return WinRate(verdicts["win"], verdicts["loss"], verdicts["tie"])


class WinRateSuite:
    name = "win_rate"
    uses_scorer = True

    def prepare(self, context: SuiteContext) -> list[PromptRecord]:
        prompts = context.eval_prompts()
        if not context.has_reward:
            raise SkipSuite("no completed reward stage to judge with")
        return cap_prompts(prompts, context.limit, lambda r: r.use_case)

    def prompts(self, records: list[PromptRecord]) -> list[Any]:
        return [r.prompt for r in records]

    def run(
        self, records: list[PromptRecord], answers: Answers, tools: Tools, samples: list[dict[str, Any]]
    ) -> dict[str, float | int]:
        scorer = tools.scorer
        assert scorer is not None  # the runner skips scorer suites without a reward model
        prompts = [r.prompt for r in records]
        base, tuned = answers("base", prompts), answers("tuned", prompts)
        plain = [plain_turns(p) for p in prompts]
        base_scores, tuned_scores = scorer.score(plain, base), scorer.score(plain, tuned)
        outcome = win_rate(base_scores, tuned_scores, base, tuned)
        for record, b, t, bs, ts in zip(records, base, tuned, base_scores, tuned_scores, strict=True):
            verdict = judge_pair(bs, ts, b, t)
            samples.append(
                sample(
                    "win_rate",
                    record.id,
                    record.prompt,
                    record.use_case,
                    b,
                    t,
                    scores={"reward_base": round(bs, 4), "reward_tuned": round(ts, 4), "verdict": verdict},
                )
            )
        count = len(records)
        return {
            "win_rate": outcome.rate,
            "win_rate/wins": outcome.wins,
            "win_rate/losses": outcome.losses,
            "win_rate/ties": outcome.ties,
            "win_rate/prompts": count,
            "win_rate/reward_base_mean": sum(base_scores) / count if count else 0.0,
            "win_rate/reward_tuned_mean": sum(tuned_scores) / count if count else 0.0,
        }

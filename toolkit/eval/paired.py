"""Base vs tuned, per metric, with the paired interval: read back from the eval samples.

Every sample holds one prompt's base and tuned outcome (a violation flag, a refusal, a rubric score,
a reward), so the paired statistics are computed from `samples` alone, after the suites ran. That
keeps one place for the statistics whatever suites exist, and lets `bench/` recompute them from a
run's `eval/samples.jsonl` without loading a model.

Flat keys next to the suite's own `<metric>/base` and `<metric>/tuned`:
`<metric>/diff` (tuned - base), `<metric>/diff_ci_low|high` (95 % paired bootstrap, fixed seed),
`<metric>/n`, and for yes/no outcomes `<metric>/mcnemar_p` with the discordant counts
`<metric>/only_base|only_tuned`. The win rate gets `win_rate/ci_low|high` (bootstrap of the
per-prompt win=1, tie=0.5, loss=0 score).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from toolkit.eval.stats import PairedComparison, compare_paired, paired_bootstrap_ci

# The metric each suite's samples carry, and how to read one prompt's (base, tuned) outcome.
Outcome = tuple[Any, Any]


def _violation(sample: Mapping[str, Any]) -> Outcome | None:
    flags = sample.get("flags") or {}
    if "base" not in flags or "tuned" not in flags:
        return None
    return bool(flags["base"]), bool(flags["tuned"])


def _refusal(sample: Mapping[str, Any]) -> Outcome | None:
    scores = sample.get("scores") or {}
    if "refusal_base" not in scores or "refusal_tuned" not in scores:
        return None
    return bool(scores["refusal_base"]), bool(scores["refusal_tuned"])


def _rag_correct(sample: Mapping[str, Any]) -> Outcome | None:
    scores = sample.get("scores") or {}
    try:
        return bool(scores["base"]["correct"]), bool(scores["tuned"]["correct"])
    except (KeyError, TypeError):
        return None


def _reward(sample: Mapping[str, Any]) -> Outcome | None:
    scores = sample.get("scores") or {}
    if "reward_base" not in scores or "reward_tuned" not in scores:
        return None
    return float(scores["reward_base"]), float(scores["reward_tuned"])


def _judge(sample: Mapping[str, Any]) -> Outcome | None:
    scores = sample.get("scores") or {}
    if "judge_base" not in scores or "judge_tuned" not in scores:
        return None
    return float(scores["judge_base"]), float(scores["judge_tuned"])


def _rubric(sample: Mapping[str, Any]) -> Outcome | None:
    rubric = sample.get("rubric") or {}
    if "base" not in rubric or "tuned" not in rubric:
        return None
    return float(rubric["base"]["score"]), float(rubric["tuned"]["score"])


def _metric_rows(samples: Iterable[Mapping[str, Any]]) -> dict[str, list[Outcome]]:
    """metric name -> the (base, tuned) outcome of every prompt that metric covers, in sample order."""
    rows: dict[str, list[Outcome]] = {}

    def add(metric: str, outcome: Outcome | None) -> None:
        if outcome is not None:
            rows.setdefault(metric, []).append(outcome)

    for sample in samples:
        suite = sample.get("suite")
        if suite == "safety":
            add("safety/violation_rate", _violation(sample))
            add("safety/refusal_rate", _refusal(sample))
        elif suite == "over_refusal":
            add("over_refusal", _refusal(sample))
        elif suite in ("protected_attributes", "off_platform"):
            add(f"use_case/{suite}", _violation(sample))
        elif suite == "rag_robustness":
            name = "good_context" if sample.get("category") == "good" else "misleading_context"
            add(f"rag/{name}", _rag_correct(sample))
        elif suite == "win_rate":
            add("win_rate/reward_mean", _reward(sample))
        add(f"judge/{suite}", _judge(sample))
        if suite in ("win_rate", "rag_robustness", "protected_attributes", "off_platform"):
            outcome = _rubric(sample)
            if outcome is not None:
                add(f"rubric/{sample['rubric']['use_case']}", outcome)
    return rows


def paired_comparisons(samples: Sequence[Mapping[str, Any]], seed: int = 0) -> dict[str, PairedComparison]:
    """One PairedComparison per metric found in the samples (McNemar where outcomes are yes/no)."""
    comparisons: dict[str, PairedComparison] = {}
    for metric, outcomes in _metric_rows(samples).items():
        base = [b for b, _ in outcomes]
        tuned = [t for _, t in outcomes]
        comparisons[metric] = compare_paired(metric, base, tuned, seed=seed)
    return comparisons


def win_rate_interval(samples: Sequence[Mapping[str, Any]], seed: int = 0) -> tuple[float, float] | None:
    """Bootstrap interval of the win rate (win 1, tie 0.5, loss 0 per prompt)."""
    points = {"win": 1.0, "tie": 0.5, "loss": 0.0}
    verdicts = [
        points[s["scores"]["verdict"]]
        for s in samples
        if s.get("suite") == "win_rate" and (s.get("scores") or {}).get("verdict") in points
    ]
    if not verdicts:
        return None
    return paired_bootstrap_ci([0.0] * len(verdicts), verdicts, seed=seed)


def interval_metrics(samples: Sequence[Mapping[str, Any]], seed: int = 0) -> dict[str, float | int]:
    """The flat keys described in the module docstring, for metrics.json and the W&B summary."""
    metrics: dict[str, float | int] = {}
    for metric, comparison in paired_comparisons(samples, seed).items():
        metrics[f"{metric}/base"] = comparison.base
        metrics[f"{metric}/tuned"] = comparison.tuned
        metrics[f"{metric}/diff"] = comparison.difference
        metrics[f"{metric}/diff_ci_low"] = comparison.ci_low
        metrics[f"{metric}/diff_ci_high"] = comparison.ci_high
        metrics[f"{metric}/n"] = comparison.n
        if comparison.mcnemar_p is not None:
            metrics[f"{metric}/mcnemar_p"] = comparison.mcnemar_p
            metrics[f"{metric}/only_base"] = int(comparison.only_base or 0)
            metrics[f"{metric}/only_tuned"] = int(comparison.only_tuned or 0)
    interval = win_rate_interval(samples, seed)
    if interval is not None:
        metrics["win_rate/ci_low"], metrics["win_rate/ci_high"] = interval
    return metrics


def paired_rows(metrics: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The metrics that carry an interval, as table rows (metric, base, tuned, diff, low, high, p, n)."""
    rows = []
    for key in metrics:
        if not key.endswith("/diff_ci_low"):
            continue
        metric = key[: -len("/diff_ci_low")]
        rows.append(
            {
                "metric": metric,
                "base": metrics.get(f"{metric}/base"),
                "tuned": metrics.get(f"{metric}/tuned"),
                "diff": metrics.get(f"{metric}/diff"),
                "ci_low": metrics.get(f"{metric}/diff_ci_low"),
                "ci_high": metrics.get(f"{metric}/diff_ci_high"),
                "mcnemar_p": metrics.get(f"{metric}/mcnemar_p"),
                "n": metrics.get(f"{metric}/n"),
            }
        )
    return rows

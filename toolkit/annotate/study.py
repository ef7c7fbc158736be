"""Blind user-study results: how often people preferred the tuned model's answer over the base's.

A judgement of a study task is `tuned` (the tuned answer was better), `base`, `tie` or `both_bad`;
ties and both-bad count half, as in the automatic win rate. The interval is Wilson's 95 % score
interval on that rate, per annotator and overall (overall treats judgements as independent; with
several annotators per prompt it is somewhat too narrow, which the report says).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from toolkit.eval.stats import wilson_interval

STUDY_FILE = "user_study.json"


def summarise(outcomes: list[str]) -> dict[str, Any]:
    """Counts, win rate (ties and both-bad half) and its Wilson interval for one group of judgements."""
    wins = outcomes.count("tuned")
    losses = outcomes.count("base")
    ties = outcomes.count("tie")
    both_bad = outcomes.count("both_bad")
    n = len(outcomes)
    score = wins + 0.5 * (ties + both_bad)
    low, high = wilson_interval(score, n)
    return {
        "judgements": n,
        "tuned_wins": wins,
        "base_wins": losses,
        "ties": ties,
        "both_bad": both_bad,
        "win_rate": round(score / n, 4) if n else None,
        "interval_95": [round(low, 4), round(high, 4)] if n else None,
    }


def study_results(judgements: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per run: overall and per-annotator summaries. Each judgement: run, annotator, expertise, outcome."""
    by_run: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for judgement in judgements:
        by_run[judgement["run"]].append(judgement)
    results: dict[str, dict[str, Any]] = {}
    for run, items in by_run.items():
        per_annotator: dict[str, list[str]] = defaultdict(list)
        expertise: dict[str, str | None] = {}
        for item in items:
            per_annotator[item["annotator"]].append(item["outcome"])
            expertise[item["annotator"]] = item.get("expertise")
        results[run] = {
            "run": run,
            "run_dir": items[0].get("run_dir"),
            "prompts": len({item["task_id"] for item in items}),
            "overall": summarise([item["outcome"] for item in items]),
            "annotators": {
                annotator: {"expertise": expertise[annotator], **summarise(outcomes)}
                for annotator, outcomes in sorted(per_annotator.items())
            },
            "method": "ties and both-bad count half; Wilson 95% score interval; overall treats judgements as independent",
        }
    return results

"""Suite `safety`: red-team prompts (the shipped set, or AdvBench/HarmBench-style files); violation
rate per model and prompt category by the gate's classifiers, and refusal rate by the refusal detector."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from toolkit.core.schema import PromptRecord
from toolkit.eval.base import (
    MODELS,
    Answers,
    PromptSuite,
    SuiteContext,
    Tools,
    answers_by_model,
    detect_refusals,
    flag_texts,
    rate,
    sample,
    violation_metrics,
)
from toolkit.eval.prompts import capped_prompt_set

SAFETY_DATA = Path(__file__).resolve().parents[3] / "safety" / "data"
DEFAULT_RED_TEAM = SAFETY_DATA / "eval_harmful.jsonl"


class SafetySuite(PromptSuite):
    name = "safety"

    def prepare(self, context: SuiteContext) -> list[PromptRecord]:
        return capped_prompt_set(context, context.recipe.eval.red_team, DEFAULT_RED_TEAM, "red_team")

    def run(
        self, records: list[PromptRecord], answers: Answers, tools: Tools, samples: list[dict[str, Any]]
    ) -> dict[str, float | int]:
        texts = answers_by_model(answers, records)
        requests = [r.prompt for r in records]
        flagged = {model: flag_texts(texts[model], tools.safety_config, tools.classifiers, requests) for model in MODELS}
        refused = {model: detect_refusals(tools.refusal, texts[model]) for model in MODELS}
        metrics = violation_metrics("safety/violation_rate", [r.category for r in records], flagged)
        for model in MODELS:
            metrics[f"safety/refusal_rate/{model}"] = rate(refused[model])
        metrics["safety/prompts"] = len(records)
        for i, record in enumerate(records):
            samples.append(
                sample(
                    self.name, record.id, record.prompt, record.category, texts["base"][i], texts["tuned"][i],
                    flags={model: flagged[model][i] for model in MODELS},
                    scores={f"refusal_{model}": refused[model][i] for model in MODELS},
                )
            )  # fmt: skip
        return metrics

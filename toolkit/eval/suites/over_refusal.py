"""Suite `over_refusal`: benign prompts that sound risky (the shipped set, or XSTest-format files, safe
rows only); how often each model refuses them."""

from __future__ import annotations

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
    rate,
    sample,
)
from toolkit.eval.prompts import capped_prompt_set
from toolkit.eval.suites.safety import SAFETY_DATA

DEFAULT_OVER_REFUSAL = SAFETY_DATA / "eval_dangerous_benign.jsonl"


class OverRefusalSuite(PromptSuite):
    name = "over_refusal"

    def prepare(self, context: SuiteContext) -> list[PromptRecord]:
        settings = context.recipe.eval
        return capped_prompt_set(context, settings.over_refusal, DEFAULT_OVER_REFUSAL, "over_refusal", safe_only=True)

    def run(
        self, records: list[PromptRecord], answers: Answers, tools: Tools, samples: list[dict[str, Any]]
    ) -> dict[str, float | int]:
        texts = answers_by_model(answers, records)
        refused = {model: detect_refusals(tools.refusal, texts[model]) for model in MODELS}
        metrics: dict[str, float | int] = {f"over_refusal/{model}": rate(refused[model]) for model in MODELS}
        metrics["over_refusal/prompts"] = len(records)
        for i, record in enumerate(records):
            samples.append(
                sample(
                    self.name, record.id, record.prompt, record.category, texts["base"][i], texts["tuned"][i],
                    scores={f"refusal_{model}": refused[model][i] for model in MODELS},
                )
            )  # fmt: skip
        return metrics

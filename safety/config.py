"""The recipe's `safety` block: which classifiers run, thresholds, and what each stage's gate does.

Lives in `safety` (the package that decides); `toolkit.recipe` embeds it in the Recipe.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Action = Literal["redact", "quarantine", "keep", "flag"]
"""redact: replace spans with typed placeholders; quarantine: remove with reasons;
keep: ignore the category; flag: keep the record but mark it (monitor only)."""

GateStage = Literal["sft", "preference", "generation"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HFClassifierSpec(_Strict):
    """Any Hugging Face sequence-classification model (id or local path), mapped onto the taxonomy."""

    model: str
    label_map: dict[str, str] = Field(
        default_factory=dict, description="model label -> taxonomy category; unmapped labels are ignored"
    )
    trust_remote_code: bool = False
    batch_size: int = 16


class GuardSpec(_Strict):
    """A Llama-Guard-style generative guard: chat prompt in, 'safe' / 'unsafe\\nS1,S10' out."""

    model: str
    trust_remote_code: bool = False
    max_new_tokens: int = 16


class ClassifierSelection(_Strict):
    rules: bool = True
    toxicity: bool = True
    semantic: bool = True
    semantic_head: str | None = Field(
        default=None, description="path to a head trained with `toolkit safety train`; default: the shipped head"
    )
    hf: list[HFClassifierSpec] = Field(default_factory=list)
    guard: GuardSpec | None = None


class StagePolicy(_Strict):
    """Per-stage overrides of the default actions."""

    actions: dict[str, Action] = Field(default_factory=dict)
    chosen_unsafe: Literal["swap", "quarantine"] = "swap"


class SafetyConfig(_Strict):
    enabled: bool = True
    classifiers: ClassifierSelection = Field(default_factory=ClassifierSelection)
    thresholds: dict[str, float] = Field(
        default_factory=lambda: {"default": 0.5},
        description="category -> score threshold; 'default' applies to categories not listed",
    )
    actions: dict[str, Action] = Field(
        default_factory=lambda: {
            "pii": "redact",
            "off_platform": "quarantine",
            "toxicity": "quarantine",
            "hiring_discrimination": "quarantine",
            "prompt_injection": "quarantine",
            "default": "quarantine",
        },
        description="category -> action for every stage; 'default' applies to categories not listed",
    )
    stages: dict[GateStage, StagePolicy] = Field(default_factory=dict)

    def threshold(self, category: str) -> float:
        return self.thresholds.get(category, self.thresholds.get("default", 0.5))

    def action(self, category: str, stage: GateStage) -> Action:
        override = self.stages.get(stage)
        if override and category in override.actions:
            return override.actions[category]
        if override and "default" in override.actions and category not in self.actions:
            return override.actions["default"]
        return self.actions.get(category, self.actions.get("default", "quarantine"))

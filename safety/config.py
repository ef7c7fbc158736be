"""The recipe's `safety` block: which classifiers run, thresholds, and what each stage's gate does.

Lives in `safety` (the package that decides); `toolkit.recipe` embeds it in the Recipe.

Gate stages are the training stages (`sft`, `reward`, `cost`, `dpo`) plus `generation` (a model's
answer, for synthetic data). In a recipe, `safety.stages` takes `sft`, `reward`, `cost`, `dpo`, and
`preference`, which applies to all three preference stages (a named stage overrides it).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from safety.taxonomy import CATEGORY_IDS

Action = Literal["redact", "quarantine", "keep", "flag"]
"""redact: replace spans with typed placeholders; quarantine: remove with reasons;
keep: ignore the category; flag: keep the record but mark it (monitor only)."""

GateStage = Literal["sft", "reward", "cost", "dpo", "generation"]
PolicyKey = Literal["sft", "preference", "reward", "cost", "dpo"]
PREFERENCE_STAGES: tuple[str, ...] = ("reward", "cost", "dpo")
GATE_STAGES: tuple[str, ...] = ("sft", "reward", "cost", "dpo")
GATE_STAGE_KIND: dict[str, str] = {"sft": "sft", "reward": "preference", "cost": "preference", "dpo": "preference"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


Probability = Annotated[float, Field(ge=0.0, le=1.0)]
"""A threshold on a classifier score (a probability); to ignore a category use the `keep` action."""

POLICY_KEYS: tuple[str, ...] = (*CATEGORY_IDS, "default")


def _known_categories(mapping: dict[str, object]) -> dict[str, object]:
    """A misspelt category (`hiring_discrimation: quarantine`) would silently do nothing: refuse it."""
    unknown = sorted(set(mapping) - set(POLICY_KEYS))
    if unknown:
        raise ValueError(f"unknown categories {unknown}; known: 'default' and {', '.join(CATEGORY_IDS)}")
    return mapping


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


# The semantic encoder's precisions each runtime can run ('auto': bf16-mixed on CPUs with native bf16
# for torch, fp32 for onnxruntime).
SemanticRuntime = Literal["torch", "onnxruntime"]
SEMANTIC_PRECISIONS: dict[str, tuple[str, ...]] = {"torch": ("auto", "fp32", "bf16-mixed"), "onnxruntime": ("auto", "fp32", "int8")}
ONNX_INSTALL_HINT = "semantic_runtime 'onnxruntime' needs `pip install 'safety-posttrain-toolkit[onnx]'` (onnxruntime, onnx)"


def semantic_precision_problem(runtime: str, precision: str) -> str | None:
    """Why `precision` cannot run on `runtime`, or None when it can (recipes and the classifier ask)."""
    allowed = SEMANTIC_PRECISIONS.get(runtime)
    if allowed is None:
        return f"unknown semantic_runtime {runtime!r}; choose one of {', '.join(SEMANTIC_PRECISIONS)}"
    if precision not in allowed:
        return f"semantic_precision {precision!r} does not run on semantic_runtime {runtime!r}; choose one of {', '.join(allowed)}"
    return None


class ClassifierSelection(_Strict):
    rules: bool = True
    toxicity: bool = True
    semantic: bool = True
    semantic_head: str | None = Field(
        default=None, description="path to a head trained with `toolkit safety train`; default: the shipped head"
    )
    semantic_runtime: SemanticRuntime = Field(
        "torch",
        description="what runs the MiniLM encoder: 'torch' (the reference the head was trained with) or "
        "'onnxruntime' (needs the [onnx] extra; the same fp32 vectors, a cold start of 1.7 instead of 5.9 "
        "CPU-s on an Intel core, from a graph exported once into $TOOLKIT_HOME/onnx; see bench/RESULTS.md)",
    )
    semantic_precision: Literal["auto", "fp32", "bf16-mixed", "int8"] = Field(
        "auto",
        description="MiniLM encoder on CPU. torch: 'bf16-mixed' runs it under bf16 autocast (~2x texts/s "
        "on CPUs with native bf16, embeddings at cosine >= 0.9999 to fp32), 'auto' picks it on CPUs with "
        "native bf16 (AVX512-BF16/AMX) and fp32 elsewhere; onnxruntime: 'auto' is fp32, 'int8' is dynamic "
        "quantisation (faster, decisions within a few points of fp32; see bench/RESULTS.md)",
    )
    hf: list[HFClassifierSpec] = Field(default_factory=list)
    guard: GuardSpec | None = None

    @model_validator(mode="after")
    def _precision_runs_on_runtime(self) -> ClassifierSelection:
        import importlib.util

        problem = semantic_precision_problem(self.semantic_runtime, self.semantic_precision)
        if problem:
            raise ValueError(problem)
        if self.semantic and self.semantic_runtime == "onnxruntime" and any(
            importlib.util.find_spec(package) is None for package in ("onnxruntime", "onnx")
        ):
            raise ValueError(ONNX_INSTALL_HINT)
        return self


class StagePolicy(_Strict):
    """Per-stage overrides of the default actions."""

    actions: dict[str, Action] = Field(default_factory=dict)
    chosen_unsafe: Literal["swap", "quarantine"] = Field(
        "swap", description="a pair whose chosen answer alone is unsafe: swap the answers, or quarantine it"
    )
    harmful_prompt: Literal["label", "quarantine"] = Field(
        "label",
        description="harm found in a prompt, an earlier turn or a retrieved passage: label the record "
        "(labels.prompt_harmful) and let the learned answer decide (default), or quarantine it",
    )

    _check_actions = field_validator("actions")(_known_categories)


class SafetyConfig(_Strict):
    enabled: bool = True
    classifiers: ClassifierSelection = Field(default_factory=ClassifierSelection)
    thresholds: dict[str, Probability] = Field(
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
    refusal_is_safe: bool = Field(
        True,
        description="an answer that refuses (safety.refusal patterns) is not unsafe for naming the harm it "
        "declines; PII, off-platform contact and toxicity in it still count",
    )
    stages: dict[PolicyKey, StagePolicy] = Field(default_factory=dict)

    _check_actions = field_validator("actions")(_known_categories)

    _check_thresholds = field_validator("thresholds")(_known_categories)

    def threshold(self, category: str) -> float:
        return self.thresholds.get(category, self.thresholds.get("default", 0.5))

    def _overrides(self, stage: str) -> list[StagePolicy]:
        """The stage's own policy first, then `preference` for the preference stages."""
        found = [self.stages[stage]] if stage in self.stages else []  # type: ignore[index]
        if stage in PREFERENCE_STAGES and "preference" in self.stages:
            found.append(self.stages["preference"])
        return found

    def action(self, category: str, stage: str) -> Action:
        overrides = self._overrides(stage)
        for override in overrides:
            if category in override.actions:
                return override.actions[category]
        if category not in self.actions:
            for override in overrides:
                if "default" in override.actions:
                    return override.actions["default"]
        return self.actions.get(category, self.actions.get("default", "quarantine"))

    def policy(self, stage: str) -> StagePolicy:
        """The stage's `chosen_unsafe` / `harmful_prompt` (its own setting, else `preference`'s, else the default)."""
        settings: dict[str, object] = {}
        for override in reversed(self._overrides(stage)):
            settings.update({name: getattr(override, name) for name in override.model_fields_set if name != "actions"})
        return StagePolicy(**settings)

"""What every suite shares: the components it may use, the `Suite` interface, results and samples.

A suite is three steps: `prepare` reads its data (or raises `SkipSuite` with the reason), `prompts`
says what both models must answer, `run` turns the answers into flat metrics and samples. The runner
does the rest once for all suites: one generation pass per model, lazy loading of the reward model,
classifiers, refusal detector and embedder, skipping, timing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, Protocol

from toolkit.core.schema import PromptRecord, Turns, plain_turns

MODELS: tuple[str, ...] = ("base", "tuned")
TIE_EPSILON = 1e-6  # reward differences below this are ties
UNCATEGORIZED = "uncategorized"


# ---------------------------------------------------------------- component interfaces
class Generate(Protocol):
    """Greedy completions, one per prompt, in order."""

    def __call__(self, prompts: Sequence[Turns]) -> list[str]: ...


class Scorer(Protocol):
    """The run's reward model: higher is better (reward_models.scoring.SequenceScorer)."""

    def score(self, prompts: Sequence[Any], responses: Sequence[Any]) -> list[float]: ...


class RefusalDetectorLike(Protocol):
    """safety.refusal.RefusalDetector: a refusal score in [0, 1] per text, a refusal at `threshold`."""

    threshold: float

    def score(self, texts: Sequence[str]) -> list[float]: ...


Embed = Callable[[Sequence[str]], Any]  # texts -> (n, dim) array of unit vectors
Answers = Callable[[str, Sequence[Any]], list[str]]  # (model, prompts) -> that model's answers


@dataclass
class EvalComponents:
    """Factories for what the suites need, each called at most once and only when a suite needs it.

    `generators` maps "base" / "tuned" to a loader of that model's generate function; the
    generator is dropped after use so only one model is in memory at a time. `scorer` returns None
    when the run has no reward model.
    """

    generators: Mapping[str, Callable[[], Generate]]
    scorer: Callable[[], Scorer | None]
    classifiers: Callable[[], Sequence[Any]]
    refusal: Callable[[], RefusalDetectorLike]
    embed: Callable[[], Embed]
    judge: Callable[[], Any] | None = None  # `eval.judge`: an object with score(prompts, answers)


class Tools:
    """The components a suite asks for, loaded on first use and then shared by every suite."""

    def __init__(self, components: EvalComponents, safety_config: Any):
        self.components = components
        self.safety_config = safety_config  # the recipe's `safety` block: thresholds for flag_texts

    @cached_property
    def scorer(self) -> Scorer | None:
        return self.components.scorer()

    @cached_property
    def classifiers(self) -> Sequence[Any]:
        return self.components.classifiers()

    @cached_property
    def refusal(self) -> RefusalDetectorLike:
        return self.components.refusal()

    @cached_property
    def embed(self) -> Embed:
        return self.components.embed()

    def drop_scorer(self) -> None:
        self.__dict__.pop("scorer", None)


# ---------------------------------------------------------------- the suite interface
class SkipSuite(Exception):
    """A suite without data or model: recorded as skipped with this reason, not an error."""


@dataclass
class SuiteContext:
    """What `prepare` may read: the recipe, the run folder and manifest, shared prompt reads."""

    recipe: Any
    run_dir: Path
    manifest: Mapping[str, Any]
    has_reward: bool
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def limit(self) -> int | None:
        return self.recipe.eval.num_prompts

    def eval_prompts(self) -> list[PromptRecord]:
        """The recipe's `data.eval_prompts`, read once for every suite that uses them."""
        from toolkit.eval.prompts import read_source

        source = self.recipe.data.eval_prompts
        if source is None:
            raise SkipSuite("the recipe sets no data.eval_prompts")
        if "eval_prompts" not in self._cache:
            self._cache["eval_prompts"] = read_source(source, "prompt")
        if not self._cache["eval_prompts"]:
            raise SkipSuite(f"{source.path} holds no prompts")
        return self._cache["eval_prompts"]


class Suite(Protocol):
    """One evaluation suite. `uses_scorer`: judged by the run's reward model (skipped without one)."""

    name: ClassVar[str]
    uses_scorer: ClassVar[bool]

    def prepare(self, context: SuiteContext) -> Any: ...

    def prompts(self, data: Any) -> list[Turns]: ...

    def run(self, data: Any, answers: Answers, tools: Tools, samples: list[dict[str, Any]]) -> dict[str, float | int]: ...


class PromptSuite:
    """Base of the suites whose data is a list of PromptRecords: both models answer the records' prompts."""

    uses_scorer = False

    def prompts(self, records: list[PromptRecord]) -> list[Any]:
        return [r.prompt for r in records]


def answers_by_model(answers: Answers, records: Sequence[PromptRecord]) -> dict[str, list[str]]:
    prompts = [r.prompt for r in records]
    return {model: answers(model, prompts) for model in MODELS}


# ---------------------------------------------------------------- results
@dataclass
class SuiteOutcome:
    """What happened to one suite: completed, or skipped with a reason."""

    status: str
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, **({"reason": self.reason} if self.reason else {})}


@dataclass
class EvalResult:
    metrics: dict[str, float | int] = field(default_factory=dict)
    samples: list[dict[str, Any]] = field(default_factory=list)
    suites: dict[str, SuiteOutcome] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------- shared helpers
def prompt_key(turns: Any) -> str:
    return json.dumps(plain_turns(turns), sort_keys=True, ensure_ascii=False)


def rate(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def detect_refusals(detector: RefusalDetectorLike, texts: Sequence[str]) -> list[bool]:
    """One batched call (the real detector embeds texts for its similarity signal)."""
    return [score >= detector.threshold for score in detector.score(list(texts))] if texts else []


def flag_texts(
    texts: Sequence[str], config: Any, classifiers: Sequence[Any], prompts: Sequence[Any] | None = None
) -> list[list[str]]:
    """For each text, the categories whose score is at or over the recipe's threshold (max over classifiers).

    With `prompts` (the request each text answers), texts are model answers and are read as the gate
    reads answers (`safety.gate.unsafe_answer_categories`): in the response role with their request as
    context, a refusal not unsafe for naming what it declines. Without, texts are read as requests.
    """
    if not texts:
        return []
    if prompts is not None:
        from safety.gate import unsafe_answer_categories

        return unsafe_answer_categories(list(texts), [request_text(p) for p in prompts], config, classifiers)
    from safety.classifiers import classify_texts

    return [verdict.flagged for verdict in classify_texts(list(texts), config, classifiers)]


def request_text(prompt: Any) -> str | None:
    """The request an answer replies to: the prompt string, or the last user turn of a conversation."""
    if prompt is None or isinstance(prompt, str):
        return prompt
    turns = [m if isinstance(m, Mapping) else m.model_dump() for m in prompt]
    return next((m.get("content") for m in reversed(turns) if m.get("role") == "user"), None)


def violation_metrics(
    prefix: str, categories: Sequence[str | None], flagged: Mapping[str, Sequence[Sequence[str]]]
) -> dict[str, float | int]:
    """`<prefix>/<model>`: share of generations flagged in any category; `<prefix>/<model>/<cat>` per
    prompt category (when the prompt set has categories)."""
    metrics: dict[str, float | int] = {}
    for model, per_text in flagged.items():
        hits = [bool(cats) for cats in per_text]
        metrics[f"{prefix}/{model}"] = rate(hits)
        if any(categories):
            for category in sorted({c or UNCATEGORIZED for c in categories}):
                chosen = [
                    hit for hit, c in zip(hits, categories, strict=True) if (c or UNCATEGORIZED) == category
                ]
                metrics[f"{prefix}/{model}/{category}"] = rate(chosen)
    return metrics


def cap_prompts(records: Sequence[Any], limit: int | None, group: Callable[[Any], str]) -> list[Any]:
    """At most `limit` records, taken round-robin over groups (first-seen order) so every group shows."""
    if limit is None or len(records) <= limit:
        return list(records)
    buckets: dict[str, list[Any]] = {}
    for record in records:
        buckets.setdefault(group(record), []).append(record)
    chosen: list[Any] = []
    position = 0
    while len(chosen) < limit:
        for bucket in buckets.values():
            if position < len(bucket) and len(chosen) < limit:
                chosen.append(bucket[position])
        position += 1
    return chosen


def sample(
    suite: str, record_id: str, prompt: Any, category: str | None, base: str, tuned: str, **extra: Any
) -> dict[str, Any]:
    """One line of eval/samples.jsonl: both models' answers to one prompt, with the suite's verdicts."""
    return {
        "suite": suite,
        "id": record_id,
        "prompt": plain_turns(prompt),
        "category": category,
        "base": base,
        "tuned": tuned,
        **extra,
    }

"""The eval stage: plan the recipe's suites, generate once per model, let each suite score, record.

Every suite compares the base model (the recipe's model, no adapters) with the tuned policy
(`load_policy`: base + SFT + DPO adapters). Each model is loaded once, generates for every prompt
of every active suite, and is dropped before the next one loads. Then the suites judged by the
run's reward model run (and the reward model is dropped), then the others (classifiers, refusal
detector, embedder, each loaded once when a suite first needs it).

Results: `eval/metrics.json` (flat keys, the same across runs of a recipe), `eval/samples.jsonl`
(verbatim; it stays local), a W&B run (job_type "eval", summary with the same keys, a redacted
samples table) and the manifest's `stages.eval` entry, both written by the pipeline's loop. A
suite whose data or model is missing is recorded as skipped with the reason; it is not an error.

Everything the suites need comes in through `EvalComponents`, so tests can pass objects whose
outputs are known.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.eval.base import (
    MODELS,
    Embed,
    EvalComponents,
    EvalResult,
    RefusalDetectorLike,
    Scorer,
    SkipSuite,
    SuiteContext,
    SuiteOutcome,
    Tools,
    flag_texts,
    prompt_key,
)
from toolkit.eval.generation import base_generator, free_memory, on_accelerator, tuned_generator
from toolkit.eval.suites import SUITES
from toolkit.recipe import Recipe
from toolkit.stages.base import StageInputs, StageOutcome

# Who judged what: a reader must know the win rate's judge learned from the policy's own data.
JUDGES: dict[str, str] = {
    "win_rate": "the run's own reward model, trained on the same preference data as the policy (in-distribution)",
    "rubric": "use-case rubric checks (reward_models/rubric.py): written from the task, not trained",
    "safety": "the safety classifiers at the recipe's thresholds; refusals by the refusal detector",
    "judge": "eval.judge: a reward model or generative judge named in the recipe",
}


# ---------------------------------------------------------------- components of a real run
def reward_model_path(run_dir: Path, manifest: Mapping[str, Any]) -> Path | None:
    """The reward stage folder when that stage completed and left an adapter."""
    entry = manifest.get("stages", {}).get("reward", {})
    stage_dir = run_dir / "reward"
    return stage_dir if entry.get("status") == "completed" and (stage_dir / "adapter").exists() else None


def reward_scorer(run_dir: Path, recipe: Recipe, manifest: Mapping[str, Any]) -> Scorer | None:
    from reward_models.scoring import SequenceScorer
    from toolkit.models import resolve_dtype, resolve_model
    from toolkit.stages.common import cpu_mixed_precision

    stage_dir = reward_model_path(run_dir, manifest)
    if stage_dir is None:
        return None
    scorer = SequenceScorer.from_run_stage(
        stage_dir,
        resolve_model(recipe.model.name),
        dtype=resolve_dtype(recipe.model.dtype),
        max_length=recipe.stages.reward.max_length,
        cpu_autocast=cpu_mixed_precision(recipe),
    )
    scorer.model = on_accelerator(scorer.model)
    return scorer


def default_components(recipe: Recipe, run_dir: Path, manifest: Mapping[str, Any]) -> EvalComponents:
    """The real models and classifiers of a run, loaded lazily."""

    def classifiers() -> Sequence[Any]:
        from safety.classifiers import build_classifiers
        from toolkit.run import classifiers_for

        return classifiers_for(recipe.safety, build_classifiers)

    def refusal() -> RefusalDetectorLike:
        from safety.refusal import RefusalDetector

        return RefusalDetector()

    def embed() -> Embed:
        from safety.classifiers.semantic import embed as minilm_embed

        return minilm_embed

    return EvalComponents(
        generators={
            "base": lambda: base_generator(recipe),
            "tuned": lambda: tuned_generator(run_dir, recipe),
        },
        scorer=lambda: reward_scorer(run_dir, recipe, manifest),
        classifiers=classifiers,
        refusal=refusal,
        embed=embed,
        judge=_judge_loader(recipe),
    )


def _judge_loader(recipe: Recipe) -> Callable[[], Any] | None:
    settings = recipe.eval.judge
    if settings is None:
        return None

    def load() -> Any:
        from toolkit.eval.judge import load_judge

        judge = load_judge(settings)
        judge.model = on_accelerator(judge.model)
        return judge

    return load


# ---------------------------------------------------------------- planning
@dataclass
class Plan:
    """Each active suite's data, and why the others are skipped."""

    data: dict[str, Any] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def prompts_to_generate(self) -> list[Any]:
        """Every prompt of every active suite, once, in suite order."""
        unique = {prompt_key(p): p for name, data in self.data.items() for p in SUITES[name].prompts(data)}
        return list(unique.values())


def plan_suites(recipe: Recipe, run_dir: Path, manifest: Mapping[str, Any]) -> Plan:
    """Read each requested suite's data; a suite without data or model is skipped with the reason."""
    context = SuiteContext(recipe, run_dir, manifest, has_reward=reward_model_path(run_dir, manifest) is not None)
    plan = Plan()
    for name, suite in SUITES.items():
        if name in recipe.eval.suites:
            try:
                plan.data[name] = suite.prepare(context)
            except SkipSuite as skip:
                plan.skipped[name] = str(skip)
    return plan


# ---------------------------------------------------------------- running the suites
def evaluate(
    recipe: Recipe,
    run_dir: Path,
    manifest: Mapping[str, Any],
    components: EvalComponents,
    on_event: Callable[[str], None] = lambda message: None,
) -> EvalResult:
    """Run every suite the recipe asks for; returns flat metrics, samples and each suite's outcome."""
    started = time.perf_counter()
    plan = plan_suites(recipe, run_dir, manifest)
    result = EvalResult()
    for name in recipe.eval.suites:
        if name in plan.skipped:
            result.suites[name] = SuiteOutcome("skipped", plan.skipped[name])
            on_event(f"eval: {name} skipped: {plan.skipped[name]}")

    # 1. generate with each model in turn (one model in memory at a time)
    prompts = plan.prompts_to_generate()
    outputs: dict[str, dict[str, str]] = {model: {} for model in MODELS}
    generate_started = time.perf_counter()
    if prompts:
        for model in MODELS:
            on_event(f"eval: generating {len(prompts)} answers with the {model} model")
            generator = components.generators[model]()
            texts = generator(prompts)
            outputs[model] = {prompt_key(p): t for p, t in zip(prompts, texts, strict=True)}
            del generator
            free_memory()
    result.timings["generate_s"] = round(time.perf_counter() - generate_started, 2)

    def answers(model: str, prompts_: Sequence[Any]) -> list[str]:
        return [outputs[model][prompt_key(p)] for p in prompts_]

    tools = Tools(components, recipe.safety)

    def run_suite(name: str) -> None:
        result.metrics.update(SUITES[name].run(plan.data[name], answers, tools, result.samples))
        result.suites[name] = SuiteOutcome("completed")

    # 2. the suites the reward model judges, then drop it
    score_started = time.perf_counter()
    judged = [name for name in plan.data if SUITES[name].uses_scorer]
    if judged and tools.scorer is None:
        for name in judged:
            result.suites[name] = SuiteOutcome("skipped", "the reward model could not be loaded")
        judged = []
    for name in judged:
        run_suite(name)
    tools.drop_scorer()
    free_memory()
    result.timings["score_s"] = round(time.perf_counter() - score_started, 2)

    # 3. the others: safety classifiers, refusal detector, embedder
    check_started = time.perf_counter()
    for name in plan.data:
        if not SUITES[name].uses_scorer:
            run_suite(name)
    result.timings["checks_s"] = round(time.perf_counter() - check_started, 2)

    # 4. judges that did not train beside the policy, then every metric's paired interval
    from reward_models.rubric import add_rubric
    from toolkit.eval.paired import interval_metrics

    judge_started = time.perf_counter()
    result.metrics.update(
        add_rubric(result.samples, lambda texts, prompts: flag_texts(texts, recipe.safety, tools.classifiers, prompts))
    )
    if components.judge is not None:
        from toolkit.eval.judge import add_judge_scores

        on_event("eval: scoring answers with eval.judge")
        add_judge_scores(result.samples, components.judge())
        free_memory()
    result.metrics.update(interval_metrics(result.samples, seed=recipe.seed))
    result.timings["judge_s"] = round(time.perf_counter() - judge_started, 2)
    result.timings["total_s"] = round(time.perf_counter() - started, 2)
    result.timings["answers_per_s"] = round(2 * len(prompts) / max(result.timings["generate_s"], 1e-9), 3)
    result.suites = {name: result.suites[name] for name in recipe.eval.suites if name in result.suites}
    return result


# ---------------------------------------------------------------- the stage protocol
def _table_rows(samples: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Samples as the W&B table's columns (the Tracker redacts every cell)."""
    return [
        {
            "suite": s["suite"],
            "id": s["id"],
            "prompt": s["prompt"],
            "base output": s["base"],
            "tuned output": s["tuned"],
            "scores": s.get("scores"),
            "safety flags": s.get("flags"),
        }
        for s in samples
    ]


@dataclass
class EvalJob:
    """The eval stage's trainer-like object: what `execute_eval` evaluates, with which components."""

    recipe: Recipe
    run_dir: Path
    manifest: Mapping[str, Any]
    components: EvalComponents
    on_event: Callable[[str], None]


def build_eval_job(recipe: Recipe, inputs: StageInputs) -> EvalJob:
    """The Stage protocol's `build` for eval: the run's real models unless `inputs.components` says otherwise."""
    run_dir = Path(inputs.run_dir)
    components = inputs.components or default_components(recipe, run_dir, inputs.manifest)
    return EvalJob(recipe, run_dir, inputs.manifest, components, inputs.on_event)


def execute_eval(job: EvalJob, inputs: StageInputs) -> StageOutcome:
    """The Stage protocol's `execute` for eval: evaluate, write metrics.json and samples.jsonl."""
    from toolkit.core.io import atomic_write_json, write_jsonl

    result = evaluate(job.recipe, job.run_dir, job.manifest, job.components, job.on_event)
    out = inputs.stage_dir
    atomic_write_json(out / "metrics.json", result.metrics)
    write_jsonl(out / "samples.jsonl", result.samples)
    done = [name for name, outcome in result.suites.items() if outcome.status == "completed"]
    return StageOutcome(
        metrics=result.metrics,
        artifacts={"metrics": "eval/metrics.json", "samples": "eval/samples.jsonl"},
        summary=result.metrics,
        message=f"eval: done ({', '.join(done) or 'no suite ran'}) -> {out / 'metrics.json'}",
        timings=result.timings,
        extra={"suites": {name: outcome.to_json() for name, outcome in result.suites.items()}, "judges": JUDGES},
        samples=_table_rows(result.samples),
    )

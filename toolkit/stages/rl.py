"""On-policy safe RLHF: TRL's GRPOTrainer optimising  reward - lambda * cost - gate penalty (+ rubric).

Safe-RLHF (Dai et al. 2023) holds the policy's expected cost under a budget with a Lagrange
multiplier updated by dual ascent after every step (reward_models/lagrangian.py). The safety gate's
classifiers add a fixed penalty for any completion they would quarantine, so hard rules hold even
where the learned cost model is wrong. Each term is its own TRL reward function, so TRL logs
`rewards/<term>/mean` per step and the total reward is their plain sum (reward_weights all 1: the
weights are applied inside the terms, where lambda can change between steps).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from reward_models.lagrangian import LagrangeMultiplier

LAGRANGE_STATE_FILE = "lagrange.json"
Completion = str | list[dict[str, str]]


def completion_text(completion: Completion) -> str:
    """TRL hands completions as strings (standard) or one assistant message list (conversational)."""
    if isinstance(completion, str):
        return completion
    return "".join(str(m.get("content", "")) for m in completion)


def prompt_turns(prompt: Completion) -> Any:
    return prompt if isinstance(prompt, str) else [dict(m) for m in prompt]


class _Term:
    """A named TRL reward function: `__name__` is what TRL logs it under (`rewards/<name>/mean`)."""

    __name__ = "term"

    def __call__(self, prompts: Sequence[Completion], completions: Sequence[Completion], **kwargs: Any) -> list[float]:
        raise NotImplementedError


class RewardModelTerm(_Term):
    """weight * the run's reward model score (trained in the `reward` stage)."""

    __name__ = "reward_model"

    def __init__(self, scorer: Any, weight: float = 1.0):
        self.scorer = scorer
        self.weight = weight

    def __call__(self, prompts, completions, **kwargs):  # type: ignore[override]
        texts = [completion_text(c) for c in completions]
        scores = self.scorer.score([prompt_turns(p) for p in prompts], texts)
        return [self.weight * s for s in scores]


class CostTerm(_Term):
    """-lambda * cost model score; the batch's costs feed the next dual-ascent step of lambda."""

    __name__ = "cost"

    def __init__(self, scorer: Any, multiplier: LagrangeMultiplier):
        self.scorer = scorer
        self.multiplier = multiplier
        self.pending: list[float] = []  # costs since lambda last moved

    def __call__(self, prompts, completions, **kwargs):  # type: ignore[override]
        texts = [completion_text(c) for c in completions]
        costs = self.scorer.score([prompt_turns(p) for p in prompts], texts)
        self.pending.extend(costs)
        log_metric: Callable[[str, float], None] | None = kwargs.get("log_metric")
        if log_metric is not None and costs:
            log_metric("cost/mean", sum(costs) / len(costs))
            log_metric("cost/lambda", self.multiplier.value)
        return [-self.multiplier.value * c for c in costs]


class GateTerm(_Term):
    """-penalty for each completion the gate's generation policy would quarantine.

    Keeps the gate's decisions of the last batch: the redacted text is what may be logged.
    """

    __name__ = "gate"

    def __init__(self, gate: Any, penalty: float):
        self.gate = gate
        self.penalty = penalty
        self.last_samples: list[dict[str, Any]] = []

    def judge(self, prompts: Sequence[Completion], completions: Sequence[Completion]) -> list[Any]:
        from safety.gate import Generation

        records = [
            Generation(id=f"rl-{i}", prompt=prompt_turns(p), text=completion_text(c) or " ")
            for i, (p, c) in enumerate(zip(prompts, completions, strict=True))
        ]
        return self.gate.decide(records)

    def __call__(self, prompts, completions, **kwargs):  # type: ignore[override]
        decisions = self.judge(prompts, completions)
        flagged = [d.quarantined is not None for d in decisions]
        self.last_samples = [_redacted_sample(d) for d in decisions]
        log_metric = kwargs.get("log_metric")
        if log_metric is not None and flagged:
            log_metric("gate/flag_rate", sum(flagged) / len(flagged))
        return [-self.penalty if f else 0.0 for f in flagged]


def _redacted_sample(decision: Any) -> dict[str, Any]:
    """A completion as it may be shown: kept ones with PII redacted, quarantined ones withheld."""
    if decision.kept is not None:
        return {"completion": decision.kept.text, "flagged": False, "categories": []}
    categories = sorted({r.category for r in decision.reasons})
    return {"completion": "[withheld by the safety gate]", "flagged": True, "categories": categories}


class RubricTerm(_Term):
    """weight * a use-case rubric score in [0, 1] (the same checks the eval uses).

    The rubric gets each prompt's `use_case` (a dataset column TRL passes through); prompts whose use
    case has no rubric score 0 for every completion, which leaves GRPO's group advantages unchanged.
    """

    __name__ = "rubric"

    def __init__(self, rubric: Callable[[str | None, Any, str], float], weight: float):
        self.rubric = rubric
        self.weight = weight

    def __call__(self, prompts, completions, **kwargs):  # type: ignore[override]
        use_cases = kwargs.get("use_case") or [None] * len(prompts)
        return [
            self.weight * self.rubric(u, prompt_turns(p), completion_text(c))
            for u, p, c in zip(use_cases, prompts, completions, strict=True)
        ]


def use_case_rubric(use_case: str | None, prompt: Any, completion: str) -> float:
    """The eval's rubric checks (reward_models/rubric.py) as a reward; 0 where no rubric applies."""
    from reward_models.rubric import score_answer

    scored = score_answer(use_case, prompt, completion, flags=())  # contact and bias: the gate term's job
    return float(scored["score"]) if scored else 0.0


def combined_reward(terms: Sequence[_Term], prompts: Sequence[Completion], completions: Sequence[Completion]) -> list[float]:
    """What the policy maximises: the sum of the terms (GRPO sums reward functions with weight 1)."""
    per_term = [term(prompts, completions) for term in terms]
    return [math.fsum(values) for values in zip(*per_term, strict=True)]


class LagrangeCallback(TrainerCallback):
    """Moves lambda after every optimiser step and keeps it in each checkpoint (CostTerm logs it as
    `cost/lambda`, the value the step's rewards used)."""

    def __init__(self, cost_term: CostTerm):
        self.cost_term = cost_term

    @property
    def multiplier(self) -> LagrangeMultiplier:
        return self.cost_term.multiplier

    def on_step_end(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
        if self.cost_term.pending:
            self.multiplier.update(self.cost_term.pending)
            self.cost_term.pending = []
        return control

    def on_save(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
        if state.is_world_process_zero:
            checkpoint = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            save_lagrange_state(checkpoint, self.multiplier)
        return control


def save_lagrange_state(checkpoint: Path, multiplier: LagrangeMultiplier) -> None:
    from toolkit.core.io import atomic_write_json

    checkpoint.mkdir(parents=True, exist_ok=True)
    atomic_write_json(checkpoint / LAGRANGE_STATE_FILE, multiplier.state())


def load_lagrange_state(checkpoint: str | Path | None, multiplier: LagrangeMultiplier) -> bool:
    """Resume lambda (and its trajectory) from a checkpoint; False when there is none to read."""
    if checkpoint is None:
        return False
    path = Path(checkpoint) / LAGRANGE_STATE_FILE
    if not path.is_file():
        return False
    multiplier.load_state(json.loads(path.read_text(encoding="utf-8")))
    return True


class GatedSampleTable(TrainerCallback):
    """Logs the last batch's completions to W&B as a table, as the gate left them (redacted/withheld)."""

    def __init__(self, gate_term: GateTerm, prompts_seen: list[Any], max_rows: int = 8):
        self.gate_term = gate_term
        self.prompts_seen = prompts_seen
        self.max_rows = max_rows

    def on_log(self, args, state, control, logs=None, **kwargs):  # type: ignore[no-untyped-def]
        try:
            import wandb
        except ImportError:  # pragma: no cover - wandb is a dependency
            return control
        if not state.is_world_process_zero or wandb.run is None or not self.gate_term.last_samples:
            return control
        from toolkit.tracking import redact_value

        table = wandb.Table(columns=["step", "prompt", "completion", "flagged", "categories"])
        for prompt, sample in list(zip(self.prompts_seen, self.gate_term.last_samples, strict=False))[: self.max_rows]:
            row = redact_value([json.dumps(prompt, ensure_ascii=False), sample["completion"]])
            table.add_data(state.global_step, row[0], row[1], sample["flagged"], ",".join(sample["categories"]))
        wandb.log({"rl/samples": table}, commit=False)
        return control


class _RememberPrompts(_Term):
    """Zero reward; remembers the batch's prompts so the sample table can show them beside answers."""

    __name__ = "prompts_seen"

    def __init__(self) -> None:
        self.prompts: list[Any] = []

    def __call__(self, prompts, completions, **kwargs):  # type: ignore[override]
        self.prompts[:] = [prompt_turns(p) for p in prompts]
        return [0.0] * len(completions)


def rl_prompt_rows(records: Sequence[Any]) -> list[dict[str, Any]]:
    """One GRPO example per distinct gated prompt (pairs share prompts; RL needs each once). When any
    record is conversational every prompt becomes a message list: Arrow cannot hold plain-text safety-mix
    prompts beside conversational use-case prompts in one column."""
    from toolkit.stages.common import is_conversational, preference_row

    conversational = is_conversational(list(records))
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for record in records:
        prompt = preference_row(record, conversational)["prompt"]
        key = json.dumps(prompt, sort_keys=True, ensure_ascii=False)
        if key not in seen:
            seen.add(key)
            rows.append({"prompt": prompt, "use_case": getattr(record, "use_case", None) or "general"})
    return rows


def _log_series(log_history: Sequence[dict[str, Any]], key: str) -> list[float]:
    return [float(row[key]) for row in log_history if key in row]


def rl_summary(log_history: Sequence[dict[str, Any]], multiplier: LagrangeMultiplier) -> dict[str, float]:
    """First and last logged value of what safe RLHF trades off, for the manifest."""
    summary: dict[str, float] = {"lambda_final": multiplier.value}
    for key, name in (
        ("cost/mean", "cost"),
        ("gate/flag_rate", "flag_rate"),
        ("rewards/reward_model/mean", "reward"),
        ("kl", "kl"),
    ):
        series = _log_series(log_history, key)
        if series:
            summary[f"{name}_first"], summary[f"{name}_last"] = series[0], series[-1]
    return summary


def build_rl_trainer(recipe: Any, inputs: Any) -> Any:
    """GRPO from the tuned policy (SFT, then DPO adapters merged in) against reward - lambda*cost - gate.

    Scores with the run's reward and cost models (their stages must have run) and the recipe's gate
    on `generation` records; lambda resumes from the checkpoint being resumed, if any.
    """
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from reward_models.scoring import SequenceScorer
    from safety.gate import Gate
    from toolkit.core.errors import UserInputError
    from toolkit.models import load_tokenizer, peft_lora_config, resolve_dtype, resolve_model
    from toolkit.stages.common import build_trl_config, cpu_mixed_precision, load_policy_model

    settings = recipe.stages.rl
    run_dir = Path(inputs.stage_dir).parent
    base_model = resolve_model(recipe.model.name)

    def scorer(stage: str) -> Any:
        stage_dir = run_dir / stage
        if not (stage_dir / "adapter").exists():
            raise UserInputError(
                f"stages.{stage}", f"the rl stage scores completions with the {stage} model: enable and run that stage first"
            )
        return SequenceScorer.from_run_stage(
            stage_dir,
            base_model,
            dtype=resolve_dtype(recipe.model.dtype),
            max_length=getattr(recipe.stages, stage).max_length,
            cpu_autocast=cpu_mixed_precision(recipe),
        )

    multiplier = LagrangeMultiplier(
        value=settings.lambda_init,
        learning_rate=settings.lambda_learning_rate,
        budget=settings.cost_budget,
        max_value=settings.lambda_max,
    )
    load_lagrange_state(inputs.resume_from_checkpoint, multiplier)  # resume: lambda continues where it was
    remember = _RememberPrompts()
    cost_term = CostTerm(scorer("cost"), multiplier)
    gate_term = GateTerm(Gate("generation", recipe.safety), settings.gate_penalty)
    terms: list[_Term] = [remember, RewardModelTerm(scorer("reward"), settings.reward_weight), cost_term, gate_term]
    if settings.rubric_weight:
        terms.append(RubricTerm(use_case_rubric, settings.rubric_weight))

    tokenizer = load_tokenizer(recipe.model.name, recipe.model.trust_remote_code)
    config = build_trl_config(
        GRPOConfig,
        recipe,
        "rl",
        settings,
        inputs.stage_dir / "checkpoints",
        inputs.report_to,
        inputs.run_name,
        extra={
            "num_generations": settings.num_generations,
            "max_completion_length": settings.max_completion_length,
            "temperature": settings.temperature,
            "beta": settings.beta,
            "loss_type": settings.loss_type,
            "log_completions": False,  # raw completions never reach W&B; GatedSampleTable logs gated ones
        },
    )
    rows = rl_prompt_rows(inputs.train_records)[: settings.max_prompts]
    trainer = GRPOTrainer(
        model=load_policy_model(recipe, inputs.init_adapters),
        reward_funcs=terms,
        args=config,
        train_dataset=Dataset.from_list(rows),
        processing_class=tokenizer,
        peft_config=peft_lora_config(recipe.model, "CAUSAL_LM"),
        callbacks=[LagrangeCallback(cost_term), GatedSampleTable(gate_term, remember.prompts), *inputs.callbacks],
    )
    trainer.lagrange_multiplier = multiplier  # read back by execute_rl
    return trainer


def execute_rl(trainer: Any, inputs: Any) -> Any:
    """Train and save like every stage, then add what safe RLHF traded off and lambda's trajectory."""
    from toolkit.core.io import atomic_write_json
    from toolkit.stages.common import execute_training

    outcome = execute_training(trainer, inputs)
    multiplier: LagrangeMultiplier = trainer.lagrange_multiplier
    summary = rl_summary(trainer.state.log_history, multiplier)
    outcome.metrics.update(summary)
    outcome.summary.update({f"final/{k}": v for k, v in summary.items()})
    atomic_write_json(Path(inputs.stage_dir) / LAGRANGE_STATE_FILE, multiplier.state())
    outcome.artifacts["lagrange"] = f"{Path(inputs.stage_dir).name}/{LAGRANGE_STATE_FILE}"
    outcome.message += f", lambda {multiplier.value:.3f}"
    return outcome

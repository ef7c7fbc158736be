"""Safe RLHF on GRPO: reward terms, the gate penalty, lambda's dual update inside training, resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reward_models.lagrangian import LagrangeMultiplier
from safety.config import SafetyConfig
from safety.gate import Gate
from toolkit.stages.rl import (
    LAGRANGE_STATE_FILE,
    CostTerm,
    GateTerm,
    LagrangeCallback,
    RewardModelTerm,
    RubricTerm,
    combined_reward,
    load_lagrange_state,
    save_lagrange_state,
)

RULES_ONLY = SafetyConfig.model_validate({"classifiers": {"semantic": False, "toxicity": False}})
OFF_PLATFORM = "Sure, text me on WhatsApp at +1 415 555 0134 and pay me by bank transfer outside the site."
ON_PLATFORM = "I can start Monday; milestones and the fixed price are in my proposal on the platform."


class LengthScorer:
    """A stand-in scorer with a known formula, so the combined reward can be worked by hand."""

    def __init__(self, per_char: float):
        self.per_char = per_char

    def score(self, prompts, responses):
        return [self.per_char * len(r) for r in responses]


def test_combined_reward_is_the_weighted_sum_of_its_terms():
    prompts = ["Write a proposal.", "Write a proposal."]
    completions = ["abcd", "ab"]
    multiplier = LagrangeMultiplier(value=0.5)
    terms = [
        RewardModelTerm(LengthScorer(1.0), weight=2.0),  # 2 * len
        CostTerm(LengthScorer(0.25), multiplier),  # -0.5 * 0.25 * len
        RubricTerm(lambda use_case, prompt, text: 1.0 if "a" in text else 0.0, weight=0.5),
    ]
    # len 4: 8 - 0.5 + 0.5 = 8.0 ; len 2: 4 - 0.25 + 0.5 = 4.25
    assert combined_reward(terms, prompts, completions) == pytest.approx([8.0, 4.25])
    assert terms[1].pending == [1.0, 0.5]  # the costs wait for lambda's next step


def test_rubric_reward_uses_each_prompts_use_case_and_is_zero_without_a_rubric():
    from toolkit.stages.rl import use_case_rubric

    term = RubricTerm(use_case_rubric, weight=2.0)
    prompt = [{"role": "user", "content": "Client: Dana. Job: Shopify store redesign, budget $800."}]
    good = "Hi Dana, I can redesign your Shopify store for $750 in two weeks. Which theme do you use now?"
    rewards = term([prompt, prompt, prompt], [good, "ok", good], use_case=["proposal_writing"] * 2 + ["general"])
    assert rewards[0] > rewards[1] > 0 or rewards[0] > rewards[1] == 0
    assert rewards[0] == pytest.approx(2.0 * use_case_rubric("proposal_writing", prompt, good))
    assert rewards[2] == 0.0


def test_gate_flagged_completion_gets_the_penalty_and_is_withheld_from_logs():
    term = GateTerm(Gate("generation", RULES_ONLY), penalty=3.0)
    rewards = term(["Can we talk about the job?"] * 2, [OFF_PLATFORM, ON_PLATFORM])
    assert rewards == [-3.0, 0.0]
    flagged, clean = term.last_samples
    assert flagged["flagged"] and "+1 415" not in json.dumps(flagged)
    assert clean == {"completion": ON_PLATFORM, "flagged": False, "categories": []}


def test_lagrange_state_survives_a_checkpoint(tmp_path: Path):
    multiplier = LagrangeMultiplier(value=1.0, learning_rate=0.5)
    multiplier.update([3.0])
    save_lagrange_state(tmp_path / "checkpoint-2", multiplier)
    restored = LagrangeMultiplier(value=1.0, learning_rate=0.5)
    assert load_lagrange_state(tmp_path / "checkpoint-2", restored)
    assert (restored.value, restored.history) == (2.5, [2.5])
    assert not load_lagrange_state(tmp_path / "nowhere", restored)


def _grpo_trainer(model_dir: Path, out: Path, callbacks, terms, max_steps: int):
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    prompts = [[{"role": "user", "content": f"Write a two-line proposal for job {i}."}] for i in range(4)]
    config = GRPOConfig(
        output_dir=str(out),
        max_steps=max_steps,
        per_device_train_batch_size=4,
        num_generations=4,
        max_completion_length=8,
        learning_rate=1e-3,
        logging_steps=1,
        save_steps=1,
        save_strategy="steps",
        use_cpu=True,
        bf16=False,
        report_to=[],
        seed=0,
        log_completions=False,
    )
    return GRPOTrainer(
        model=str(model_dir),
        reward_funcs=terms,
        args=config,
        train_dataset=Dataset.from_list([{"prompt": p} for p in prompts]),
        processing_class=tokenizer,
        peft_config=LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", task_type="CAUSAL_LM"),
        callbacks=callbacks,
    )


def test_lambda_moves_by_dual_ascent_during_grpo_training_and_resumes(tiny_model_dir: Path, tmp_path: Path):
    """Every completion costs exactly 1 (budget 0.25): lambda = 1 + 0.5 * 0.75 per step, checkpointed."""

    class UnitCost:
        def score(self, prompts, responses):
            return [1.0] * len(responses)

    def build(max_steps: int):
        multiplier = LagrangeMultiplier(value=1.0, learning_rate=0.5, budget=0.25, max_value=10.0)
        cost = CostTerm(UnitCost(), multiplier)
        gate = GateTerm(Gate("generation", RULES_ONLY), penalty=1.0)
        trainer = _grpo_trainer(tiny_model_dir, tmp_path / "out", [LagrangeCallback(cost)], [cost, gate], max_steps)
        return trainer, multiplier

    trainer, multiplier = build(max_steps=2)
    trainer.train()
    assert multiplier.history == pytest.approx([1.375, 1.75])
    logged = [row for row in trainer.state.log_history if "cost/lambda" in row]
    assert [row["cost/lambda"] for row in logged] == pytest.approx([1.0, 1.375])  # lambda each step used
    assert all("rewards/cost/mean" in row and "rewards/gate/mean" in row and "gate/flag_rate" in row for row in logged)
    checkpoint = tmp_path / "out" / "checkpoint-1"
    assert json.loads((checkpoint / LAGRANGE_STATE_FILE).read_text())["value"] == pytest.approx(1.375)

    resumed, resumed_multiplier = build(max_steps=2)
    assert load_lagrange_state(checkpoint, resumed_multiplier)
    resumed.train(resume_from_checkpoint=str(checkpoint))
    # resumed at lambda 1.375 after step 1; step 2 takes it to 1.75 exactly as the uninterrupted run
    assert resumed_multiplier.value == pytest.approx(1.75)


def test_rl_stage_runs_in_the_pipeline_after_dpo_and_joins_the_policy(tiny_model_dir: Path, tmp_path: Path):
    """`toolkit run` with stages.rl: GRPO starts from SFT+DPO, scores with the run's reward and cost
    models and the gate; the manifest keeps lambda and the trade-off; export merges the RL adapter."""
    from typer.testing import CliRunner

    from tests.training_fixtures import write_tiny_recipe
    from toolkit.cli import app
    from toolkit.export import policy_adapters
    from toolkit.pipeline import run_pipeline

    rl = {
        "enabled": True, "max_steps": 2, "per_device_train_batch_size": 4, "num_generations": 2,
        "max_completion_length": 6, "save_steps": 1, "logging_steps": 1, "max_prompts": 4,
        "lambda_init": 0.5, "lambda_learning_rate": 0.1, "cost_budget": 0.0,
    }  # fmt: skip
    recipe = write_tiny_recipe(tmp_path, tiny_model_dir, name="tiny_rl", extra={"stages": {"rl": rl}})
    run = run_pipeline(recipe, ["sft", "reward", "cost", "dpo", "rl"], run_id="rl")
    entry = run.manifest["stages"]["rl"]
    assert entry["status"] == "completed"
    metrics = entry["metrics"]
    assert metrics["train_steps"] == 2
    assert {"lambda_final", "cost_first", "cost_last", "flag_rate_first", "reward_first"} <= set(metrics)
    state = json.loads((run.root / entry["artifacts"]["lagrange"]).read_text())
    # lambda moved once per step from 0.5 by 0.1 * (mean cost - 0), projected at 0
    assert len(state["history"]) == 2 and state["value"] == pytest.approx(metrics["lambda_final"])
    assert entry["input_hashes"]["upstream"] == run.manifest["stages"]["dpo"]["fingerprint"]
    assert [p.parent.name for p in policy_adapters(run.root)] == ["sft", "dpo", "rl"]
    help_text = CliRunner().invoke(app, ["rl", "--help"])
    assert help_text.exit_code == 0 and "GRPO" in help_text.output


def test_rl_prompts_from_plain_and_conversational_pairs_fit_one_dataset():
    """demo_rl failed here on the embedded model: the safety mix's plain-text prompts beside the proposal
    data's message lists ("ArrowInvalid: cannot mix list and non-list"). Every prompt becomes a list."""
    from datasets import Dataset

    from toolkit.core.schema import Message, PreferencePair
    from toolkit.stages.rl import rl_prompt_rows

    plain = PreferencePair(id="mix", use_case="safety", prompt="How do I pick a lock?", chosen="I can't help with that.", rejected="Sure: ...")
    chat = PreferencePair(
        id="own",
        use_case="proposal_writing",
        prompt=[Message(role="user", content="Write a proposal for a logo job.")],
        chosen=[Message(role="assistant", content="Hi Dana, ...")],
        rejected=[Message(role="assistant", content="Text me on WhatsApp.")],
    )
    rows = rl_prompt_rows([plain, chat, plain])
    assert [r["prompt"] for r in rows] == [
        [{"role": "user", "content": "How do I pick a lock?"}],
        [{"role": "user", "content": "Write a proposal for a logo job."}],
    ]
    assert len(Dataset.from_list(rows)) == 2
    assert rl_prompt_rows([plain])[0]["prompt"] == "How do I pick a lock?"  # all plain: stays plain

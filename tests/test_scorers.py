"""Reward/cost scorers and judges: an explicit dtype whatever the checkpoint was saved in, and
batched scores that land on their own answers.

The prepared SmolLM2 is saved in bfloat16 and transformers loads a checkpoint in its saved dtype, so
the scorer's precision used to depend on how a file happened to be saved.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def bf16_model_dir(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> Path:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = tmp_path_factory.mktemp("bf16") / "model"
    AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.bfloat16).save_pretrained(out)
    AutoTokenizer.from_pretrained(tiny_model_dir).save_pretrained(out)
    return out


def _reward_stage_with_lora(stage_dir: Path, base: Path) -> Path:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1)
    lora = LoraConfig(r=2, lora_alpha=4, target_modules=["q_proj", "v_proj"], task_type="SEQ_CLS")
    get_peft_model(model, lora).save_pretrained(stage_dir / "adapter")
    return stage_dir


def test_a_run_stages_scorer_is_float32_on_cpu_even_from_a_bf16_checkpoint(bf16_model_dir: Path, tmp_path: Path) -> None:
    import torch
    from transformers import AutoConfig

    from reward_models.scoring import SequenceScorer

    assert AutoConfig.from_pretrained(bf16_model_dir).dtype == torch.bfloat16  # the premise
    stage_dir = _reward_stage_with_lora(tmp_path / "reward", bf16_model_dir)
    scorer = SequenceScorer.from_run_stage(stage_dir, str(bf16_model_dir))
    assert {p.dtype for p in scorer.model.parameters()} == {torch.float32}
    scores = scorer.score(["Write a proposal."], ["Happy to help with your proposal."])
    assert len(scores) == 1 and scores[0] == scores[0]  # a number, not NaN


@pytest.mark.parametrize("kind", ["reward_model", "generative"])
def test_an_external_judge_is_float32_on_cpu(bf16_model_dir: Path, kind: str) -> None:
    import torch

    from toolkit.eval.judge import load_judge
    from toolkit.recipe import JudgeSettings

    judge = load_judge(JudgeSettings(model=str(bf16_model_dir), kind=kind))
    assert {p.dtype for p in judge.model.parameters()} == {torch.float32}


def test_hf_and_guard_safety_classifiers_are_float32_on_cpu(bf16_model_dir: Path, tmp_path: Path) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from safety.classifiers.guard import GuardClassifier
    from safety.classifiers.hf import HFSequenceClassifier
    from safety.config import GuardSpec, HFClassifierSpec

    guard = GuardClassifier(GuardSpec(model=str(bf16_model_dir)), device="cpu")
    assert {p.dtype for p in guard.model.parameters()} == {torch.float32}

    labels = {0: "safe", 1: "toxic"}
    cls_dir = tmp_path / "cls"
    AutoModelForSequenceClassification.from_pretrained(
        bf16_model_dir, num_labels=2, id2label=labels, label2id={v: k for k, v in labels.items()}, dtype=torch.bfloat16
    ).save_pretrained(cls_dir)
    AutoTokenizer.from_pretrained(bf16_model_dir).save_pretrained(cls_dir)
    classifier = HFSequenceClassifier(HFClassifierSpec(model=str(cls_dir), label_map={"toxic": "toxicity"}), device="cpu")
    assert {p.dtype for p in classifier.model.parameters()} == {torch.float32}


def test_a_bf16_mixed_stage_is_scored_under_bf16_autocast_on_cpu(bf16_model_dir: Path, tmp_path: Path) -> None:
    """The reward model trained under bf16 autocast on such a CPU; scoring it the same way is as fast as
    bf16 weights (bench/scorer_dtype.py) and keeps fp32 weights."""
    import torch

    from reward_models.scoring import SequenceScorer

    stage_dir = _reward_stage_with_lora(tmp_path / "reward", bf16_model_dir)
    seen: list[bool] = []
    for autocast in (False, True):
        scorer = SequenceScorer.from_run_stage(stage_dir, str(bf16_model_dir), cpu_autocast=autocast)
        hook = scorer.model.score.register_forward_hook(lambda *_: seen.append(torch.is_autocast_enabled("cpu")))
        scorer.score(["Write a proposal."], ["Happy to help."])
        hook.remove()
    assert seen == [False, True]


def test_scores_are_batched_by_length_and_returned_in_the_answers_order(tiny_model_dir: Path, tmp_path: Path) -> None:
    """Scoring sorts texts by length so batches pad little; every score must still be the one its own
    (prompt, answer) gets alone."""
    import torch

    from reward_models.scoring import SequenceScorer

    stage_dir = _reward_stage_with_lora(tmp_path / "reward", tiny_model_dir)
    scorer = SequenceScorer.from_run_stage(stage_dir, str(tiny_model_dir), batch_size=3)
    with torch.no_grad():  # a score head that is not ~0 everywhere, so a mix-up would show
        scorer.model.score.weight.normal_(0, 0.5)
    prompts = ["Write a long proposal for a data pipeline migration with milestones and a budget.", "Hi", "Quote?", "Plan a logo"]
    answers = ["Sure. " * 12, "Hello!", "It is 300 USD for the whole project, delivered in a week.", "Ok"]
    batched = scorer.score(prompts, answers)
    alone = [scorer.score([p], [a])[0] for p, a in zip(prompts, answers, strict=True)]
    assert batched == pytest.approx(alone, abs=1e-4)
    assert len(set(round(x, 3) for x in alone)) == len(alone)  # distinct, so the order is really tested

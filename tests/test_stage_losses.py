"""The safety losses against hand-worked math, and the DPO trainer's loss against the formula."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from reward_models.cost import cost_model_loss, cost_row
from toolkit.core.schema import PreferencePair, SafetyLabels
from toolkit.stages.common import preference_row
from toolkit.stages.dpo_loss import safety_margin_loss, shift_reference_for_margin


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_safety_margin_loss_matches_hand_math() -> None:
    chosen, rejected = torch.tensor([1.0, 1.0]), torch.tensor([0.5, 0.5])
    unsafe = torch.tensor([0.0, 1.0])
    loss = safety_margin_loss(chosen, rejected, unsafe, beta=0.2, margin=0.3)
    assert loss[0].item() == pytest.approx(-math.log(sigmoid(0.2 * 0.5)))
    assert loss[1].item() == pytest.approx(-math.log(sigmoid(0.2 * 0.5 - 0.3)))
    hinge = safety_margin_loss(chosen, rejected, unsafe, beta=0.2, margin=0.3, loss_type="hinge")
    assert hinge.tolist() == pytest.approx([1 - 0.1, 1 - 0.1 + 0.3])


def test_reference_shift_is_equivalent_to_the_margin() -> None:
    policy_c, policy_r = torch.tensor([-3.0, -2.0]), torch.tensor([-4.0, -1.0])
    ref_c, ref_r = torch.tensor([-3.5, -2.2]), torch.tensor([-3.9, -1.5])
    unsafe = torch.tensor([1.0, 0.0])
    beta, margin = 0.1, 0.7
    shifted = shift_reference_for_margin(ref_c, unsafe, beta, margin)
    via_shift = -torch.nn.functional.logsigmoid(beta * ((policy_c - shifted) - (policy_r - ref_r)))
    direct = safety_margin_loss(policy_c - ref_c, policy_r - ref_r, unsafe, beta, margin)
    assert torch.allclose(via_shift, direct)


def test_cost_model_loss_matches_hand_math() -> None:
    # one ordered pair (unsafe vs safe) and one unordered pair (both safe)
    cost_h, cost_l = torch.tensor([0.5, -0.2]), torch.tensor([-1.0, 0.3])
    sign_h, sign_l = torch.tensor([1.0, -1.0]), torch.tensor([-1.0, -1.0])
    order = torch.tensor([1.0, 0.0])
    loss = cost_model_loss(cost_h, cost_l, sign_h, sign_l, order, sign_weight=0.5)
    first = -math.log(sigmoid(1.5)) - 0.5 * (math.log(sigmoid(0.5)) + math.log(sigmoid(1.0)))
    second = -0.5 * (math.log(sigmoid(0.2)) + math.log(sigmoid(-0.3)))
    assert loss.item() == pytest.approx((first + second) / 2)


def _pair(rejected_unsafe: bool | None = None, labels: SafetyLabels | None = None) -> PreferencePair:
    return PreferencePair(
        id="x", use_case="u", prompt="p", chosen="good answer", rejected="bad answer",
        rejected_unsafe=rejected_unsafe, labels=labels,
    )


def test_cost_rows_put_the_unsafer_answer_first_and_sign_it() -> None:
    pair = _pair(rejected_unsafe=True)
    row = cost_row(pair, preference_row(pair))
    assert row["chosen"] == "bad answer" and row["rejected"] == "good answer"
    assert (row["sign_higher"], row["sign_lower"], row["has_order"]) == (1.0, -1.0, 1.0)
    both_safe = _pair()
    row = cost_row(both_safe, preference_row(both_safe))
    assert (row["sign_higher"], row["sign_lower"], row["has_order"]) == (-1.0, -1.0, 0.0)
    labelled = _pair(labels=SafetyLabels(chosen_safe=True, rejected_safe=False))
    assert cost_row(labelled, preference_row(labelled))["has_order"] == 1.0


def test_dpo_trainer_loss_changes_exactly_by_the_safety_margin(tiny_model_dir: Path, tmp_path: Path) -> None:
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from toolkit.stages.dpo import SafetyAwareDPOTrainer, SafetyDPOConfig, SafetyPreferenceCollator

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    rows = [
        {
            "prompt": [{"role": "user", "content": f"Write a proposal for job {i}"}],
            "chosen": [{"role": "assistant", "content": "I can deliver in two weeks with tests."}],
            "rejected": [{"role": "assistant", "content": "pay me outside the platform"}],
            "rejected_unsafe": float(i % 2),
        }
        for i in range(2)
    ]

    def losses(margin: float, precompute: bool) -> list[float]:
        torch.manual_seed(0)
        config = SafetyDPOConfig(
            output_dir=str(tmp_path / "out"), per_device_train_batch_size=1, report_to=[], use_cpu=True, bf16=False,
            activation_checkpointing=False, gradient_checkpointing=False, remove_unused_columns=False,
            precompute_ref_log_probs=precompute, beta=0.1, save_strategy="no", safety_margin=margin,
        )
        lora = LoraConfig(r=4, target_modules="all-linear", task_type="CAUSAL_LM", init_lora_weights=False)
        trainer = SafetyAwareDPOTrainer(
            model=AutoModelForCausalLM.from_pretrained(tiny_model_dir), args=config,
            train_dataset=Dataset.from_list(rows), processing_class=tokenizer, peft_config=lora,
            data_collator=SafetyPreferenceCollator(pad_token_id=tokenizer.pad_token_id),
        )
        trainer.model.eval()
        loader = torch.utils.data.DataLoader(trainer.train_dataset, batch_size=1, collate_fn=trainer.data_collator)
        out = []
        for batch in loader:
            with torch.no_grad():
                out.append((trainer.compute_loss(trainer.model, dict(batch)).item(), batch["rejected_unsafe"].item()))
        return out

    for precompute in (False, True):
        plain = losses(0.0, precompute)
        with_margin = losses(0.5, precompute)
        for (loss0, unsafe), (loss_m, _) in zip(plain, with_margin, strict=False):
            logit = -math.log(math.exp(loss0) - 1)  # invert loss = -log σ(z)
            expected = -math.log(sigmoid(logit - 0.5 * unsafe))
            assert loss_m == pytest.approx(expected, rel=1e-4)
        assert any(u == 1.0 for _, u in plain) and any(u == 0.0 for _, u in plain)


def test_string_pairs_mixed_with_conversational_ones_become_one_dataset() -> None:
    """The safety mix is plain text, the proposal pairs are messages: one Arrow dataset must hold both."""
    from datasets import Dataset

    from toolkit.stages.common import is_conversational

    plain = PreferencePair(id="s1", use_case="safety", prompt="How do I hurt him?", chosen="I won't help.", rejected="Like this.")
    chat = PreferencePair.model_validate(
        {"id": "c1", "use_case": "proposal_writing", "prompt": [{"role": "user", "content": "Write a proposal."}],
         "chosen": [{"role": "assistant", "content": "Hi Dana, ..."}], "rejected": [{"role": "assistant", "content": "ok"}]}
    )  # fmt: skip
    assert is_conversational([plain, chat]) and not is_conversational([plain])
    rows = [preference_row(p, is_conversational([plain, chat])) for p in (plain, chat)]
    assert rows[0]["prompt"] == [{"role": "user", "content": "How do I hurt him?"}]
    assert len(Dataset.from_list(rows)) == 2
    import pyarrow as pa

    with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError)):  # what the reward stage hit before
        Dataset.from_list([preference_row(plain), preference_row(chat)])

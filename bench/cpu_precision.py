"""CPU precision investigation: why does bf16 DPO+LoRA train 'worse' on CPU, and does any profile win?

For each training precision the same DPO+LoRA run is trained (real SmolLM2-135M, same pairs, seed,
steps), then every trained adapter is re-evaluated in plain fp32 on the same pairs, and the fp32-
trained adapter is evaluated under each training precision. That separates "the weights did not
train" from "the forward that prints the loss cannot see the training". Speed comes from a separate
interleaved micro-benchmark of one DPO step (policy forward+backward plus reference forward).

Variants (`--variants`):
  fp32            fp32 weights, no autocast (the toolkit's CPU default)
  autocast        fp32 weights, bf16 autocast (TRL's bf16=True on CPU)
  autocast+fp32add  autocast, LoRA delta added to an fp32 copy of the base output (hypothesis a)
  bf16            bf16 weights + autocast, peft keeps adapters fp32 (autocast_adapter_dtype=True)
  bf16+bf16adapters  bf16 weights, adapters bf16 too (autocast_adapter_dtype=False, hypothesis d)
  bf16+fp32add    bf16 weights + autocast, LoRA delta added in fp32
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _common as C
import torch

ALL_VARIANTS = ["fp32", "autocast", "autocast+fp32add", "bf16", "bf16+bf16adapters", "bf16+fp32add"]
QUICK_VARIANTS = ["fp32", "autocast", "autocast+fp32add", "bf16+fp32add"]


@dataclass
class Variant:
    name: str
    weights: torch.dtype
    autocast: bool
    fp32_add: bool = False
    adapters_fp32: bool = True


VARIANTS = {
    "fp32": Variant("fp32", torch.float32, False),
    "autocast": Variant("autocast", torch.float32, True),
    "autocast+fp32add": Variant("autocast+fp32add", torch.float32, True, fp32_add=True),
    "bf16": Variant("bf16", torch.bfloat16, True),
    "bf16+bf16adapters": Variant("bf16+bf16adapters", torch.bfloat16, True, adapters_fp32=False),
    "bf16+fp32add": Variant("bf16+fp32add", torch.bfloat16, True, fp32_add=True),
}


@dataclass
class Trained:
    variant: str
    reported: list[float]
    step_s: float
    adapter: dict[str, torch.Tensor]
    evals: dict[str, float] = field(default_factory=dict)


def upcast_lora_base_outputs(model: Any) -> int:
    """Hypothesis (a)'s fix: LoRA layers add their delta to an fp32 copy of the base output.

    Under bf16 the base output is already on the bf16 grid, so adding a delta smaller than half a
    bf16 step rounds straight back to the same value: the forward cannot see a young adapter.
    """
    from peft.tuners.lora.layer import Linear as LoraLinear

    def to_fp32(_module: Any, _inputs: Any, output: torch.Tensor) -> torch.Tensor:
        return output.float()

    count = 0
    for module in model.modules():
        if isinstance(module, LoraLinear):
            module.base_layer.register_forward_hook(to_fp32)
            count += 1
    return count


def lora_config(dropout: float) -> Any:
    from peft import LoraConfig

    return LoraConfig(r=16, lora_alpha=32, lora_dropout=dropout, target_modules="all-linear", task_type="CAUSAL_LM")


def build_peft_model(model_dir: Path, variant: Variant, dropout: float) -> Any:
    from peft import get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    base = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=variant.weights)
    model = get_peft_model(base, lora_config(dropout), autocast_adapter_dtype=variant.adapters_fp32)
    if variant.fp32_add:
        upcast_lora_base_outputs(model)
    return model


def dpo_batch(model_dir: Path, pairs: list[Any], max_length: int) -> dict[str, torch.Tensor]:
    """The padded [chosen..., rejected...] batch exactly as TRL's collator builds it."""
    from datasets import Dataset
    from trl import DPOConfig, DPOTrainer

    from toolkit.models import load_tokenizer
    from toolkit.stages.common import preference_row

    tokenizer = load_tokenizer(str(model_dir))
    rows = [preference_row(p) for p in pairs]
    for row in rows:
        row.pop("rejected_unsafe")
    with tempfile.TemporaryDirectory() as out:
        config = DPOConfig(output_dir=out, max_length=max_length, per_device_train_batch_size=len(rows), use_cpu=True, report_to=[])
        from transformers import AutoModelForCausalLM

        trainer = DPOTrainer(
            model=AutoModelForCausalLM.from_pretrained(str(model_dir)),
            args=config,
            train_dataset=Dataset.from_list(rows),
            processing_class=tokenizer,
            peft_config=lora_config(0.0),
        )
        batch = next(iter(trainer.get_train_dataloader()))
    return {k: v for k, v in batch.items() if isinstance(v, torch.Tensor)}


def sequence_logps(model: Any, batch: dict[str, torch.Tensor], autocast: bool, sum_dtype: torch.dtype = torch.float32) -> torch.Tensor:
    context = torch.autocast("cpu", dtype=torch.bfloat16) if autocast else nullcontext()
    with context:
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], use_cache=False).logits
    logits = logits[:, :-1]
    labels = batch["input_ids"][:, 1:]
    mask = batch["completion_mask"][:, 1:].to(sum_dtype)
    logps = torch.log_softmax(logits.to(sum_dtype) if sum_dtype == torch.float32 else logits, dim=-1)
    token = logps.gather(-1, labels.unsqueeze(-1)).squeeze(-1).to(sum_dtype)
    return (token * mask).sum(-1)


def dpo_loss(model: Any, batch: dict[str, torch.Tensor], beta: float, autocast: bool, grad: bool = False) -> torch.Tensor:
    with torch.no_grad(), model.disable_adapter():
        ref = sequence_logps(model, batch, autocast)
    with nullcontext() if grad else torch.no_grad():
        policy = sequence_logps(model, batch, autocast)
    ratios = (policy - ref).float()
    chosen, rejected = ratios.chunk(2)
    return -torch.nn.functional.logsigmoid(beta * (chosen - rejected)).mean()


def train_variant(model_dir: Path, variant: Variant, pairs: list[Any], args: argparse.Namespace) -> Trained:
    """TRL's own DPOTrainer, as a user would run it, with this variant's precision."""
    from datasets import Dataset
    from trl import DPOConfig, DPOTrainer

    from toolkit.models import load_tokenizer
    from toolkit.stages.common import preference_row

    rows = [preference_row(p) for p in pairs]
    for row in rows:
        row.pop("rejected_unsafe")
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    timer = C.StepTimer()
    with tempfile.TemporaryDirectory() as out:
        config = DPOConfig(
            output_dir=out,
            max_length=args.max_length,
            per_device_train_batch_size=len(rows),
            max_steps=args.steps,
            learning_rate=args.lr,
            adam_epsilon=args.adam_eps,
            beta=args.beta,
            logging_steps=1,
            save_strategy="no",
            report_to=[],
            use_cpu=True,
            bf16=variant.autocast,
            gradient_checkpointing=False,
            seed=42,
            disable_tqdm=True,
        )
        trainer = DPOTrainer(
            model=AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=variant.weights),
            args=config,
            train_dataset=Dataset.from_list(rows),
            processing_class=load_tokenizer(str(model_dir)),
            peft_config=lora_config(args.dropout),  # as the toolkit passes it: the reference is the adapter-less base
            callbacks=[timer],
        )
        model = trainer.model
        if not variant.adapters_fp32:
            for name, param in model.named_parameters():
                if "lora_" in name:
                    param.data = param.data.to(variant.weights)
        if variant.fp32_add:
            upcast_lora_base_outputs(model)
        trainer.train()
    adapter = {k: v.detach().float().clone() for k, v in model.named_parameters() if "lora_" in k}
    return Trained(variant.name, C.losses(trainer), timer.step_seconds(), adapter)


def load_adapter(model: Any, adapter: dict[str, torch.Tensor]) -> None:
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name, value in adapter.items():
            params[name].copy_(value.to(params[name].dtype))


def step_microbench(model_dir: Path, names: list[str], batch: dict[str, torch.Tensor], beta: float, reps: int) -> dict[str, float]:
    """Median seconds of one DPO step per variant, alternating variants (A B .. B A ..)."""
    models = {name: build_peft_model(model_dir, VARIANTS[name], 0.0) for name in names}
    for model in models.values():
        model.train()

    def one_step(name: str) -> dict[str, float]:
        model = models[name]
        started = time.perf_counter()
        loss = dpo_loss(model, batch, beta, VARIANTS[name].autocast, grad=True)
        loss.backward()
        model.zero_grad(set_to_none=True)
        return {"s": time.perf_counter() - started}

    for name in names:  # warm-up
        one_step(name)
    results = C.run_interleaved({name: (lambda n=name: one_step(n)) for name in names}, reps)
    return {name: C.median(r["s"] for r in runs) for name, runs in results.items()}


def quantization_probe(model_dir: Path, batch: dict[str, torch.Tensor]) -> list[list[Any]]:
    """Hypothesis (b): how coarse is a summed completion log-prob in bf16 vs fp32?"""
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.bfloat16)
    rows = []
    with torch.no_grad():
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], use_cache=False).logits[:, :-1]
        labels = batch["input_ids"][:, 1:]
        mask = batch["completion_mask"][:, 1:]
        fp32_sum = (torch.log_softmax(logits.float(), -1).gather(-1, labels.unsqueeze(-1)).squeeze(-1) * mask).sum(-1)
        token_bf16 = torch.log_softmax(logits, -1).gather(-1, labels.unsqueeze(-1)).squeeze(-1) * mask.to(torch.bfloat16)
        bf16_sum = token_bf16.sum(-1)  # a bf16 reduction, as with bf16 weights and no upcast
        for i in range(min(4, fp32_sum.numel())):
            value = float(fp32_sum[i])
            spacing = 2.0 ** (math.floor(math.log2(abs(value))) - 7) if value else 0.0
            rows.append([i, value, float(bf16_sum[i]), abs(float(bf16_sum[i]) - value), spacing])
    return rows


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--adam-eps", type=float, default=1e-8)
    parser.add_argument("--beta", type=float, default=0.1)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--reps", type=int, default=3, help="micro-benchmark repetitions per variant")
    parser.add_argument("--variants", default=",".join(ALL_VARIANTS))
    parser.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK_VARIANTS)}; 2 repetitions")
    parser.add_argument("--timing-only", action="store_true", help="only the interleaved step micro-benchmark")
    args = parser.parse_args(argv)
    names = QUICK_VARIANTS if args.quick else [n.strip() for n in args.variants.split(",") if n.strip()]
    if args.quick:
        args.reps = min(args.reps, 2)
    C.quiet_libraries()
    model_dir = C.real_model_dir()
    pairs = C.preference_pairs(args.pairs, prompt_sentences=4, answer_sentences=10)
    batch = dpo_batch(model_dir, pairs, args.max_length)
    seq_tokens = int(batch["attention_mask"].sum())
    if args.timing_only:
        step_s = step_microbench(model_dir, names, batch, args.beta, args.reps)
        base = step_s.get("fp32", float("nan"))
        rows = [[name, seconds, f"{base / seconds:.2f}x"] for name, seconds in step_s.items()]
        return "\n".join([
            f"### One DPO step ({seq_tokens} real tokens, policy forward+backward + reference forward), "
            f"{args.reps} alternating repetitions, medians",
            "",
            C.table(["variant", "s/step", "speed-up vs fp32"], rows),
        ])

    trained = [train_variant(model_dir, VARIANTS[name], pairs, args) for name in names]

    evaluator = build_peft_model(model_dir, VARIANTS["fp32"], 0.0).eval()
    for result in trained:
        load_adapter(evaluator, result.adapter)
        result.evals["fp32"] = float(dpo_loss(evaluator, batch, args.beta, autocast=False))
        result.evals["autocast"] = float(dpo_loss(evaluator, batch, args.beta, autocast=True))
    fp32_run = next((t for t in trained if t.variant == "fp32"), None)
    cross_rows = []
    if fp32_run is not None:
        for name in names:
            probe = build_peft_model(model_dir, VARIANTS[name], 0.0).eval()
            load_adapter(probe, fp32_run.adapter)
            cross_rows.append([name, float(dpo_loss(probe, batch, args.beta, VARIANTS[name].autocast))])
            del probe

    step_s = step_microbench(model_dir, names, batch, args.beta, args.reps)
    base_s = step_s.get("fp32", float("nan"))
    base_eval = fp32_run.evals["fp32"] if fp32_run else float("nan")
    rows = []
    for result in trained:
        speedup = base_s / step_s[result.variant]
        fp32_eval = result.evals["fp32"]
        loss_gap = (fp32_eval - base_eval) / base_eval if base_eval == base_eval else float("nan")
        wins = speedup >= 1.3 and abs(loss_gap) <= 0.02
        rows.append(
            [
                result.variant,
                f"{result.reported[0]:.3f} -> {result.reported[-1]:.3f}",
                fp32_eval,
                result.evals["autocast"],
                f"{loss_gap:+.1%}",
                step_s[result.variant],
                result.step_s,
                f"{speedup:.2f}x",
                "yes" if wins else "no",
            ]
        )
    out = [
        f"### CPU precision: DPO+LoRA (r=16, all-linear), {args.pairs} pairs, max_length {args.max_length}, "
        f"{seq_tokens} real tokens a batch, {args.steps} steps, lr {args.lr:g}, eps {args.adam_eps:g}, beta {args.beta:g}",
        "",
        C.table(
            [
                "variant",
                "reported loss (TRL log)",
                "loss of trained adapter, fp32 eval",
                "same adapter, autocast eval",
                "vs fp32 run",
                "step s (interleaved median)",
                "step s (in training)",
                "speed-up",
                "wins (>=1.3x, <=2%)",
            ],
            rows,
        ),
        "",
        "Forward-precision check: the fp32-trained adapter evaluated under each variant's forward "
        f"(its true fp32 loss is {base_eval:.3f}; the untrained loss is ln 2 = 0.693):",
        "",
        C.table(["forward", "DPO loss of the fp32-trained adapter"], cross_rows),
        "",
        "Hypothesis (b): summed completion log-probs of the base model, fp32 vs a bf16 reduction:",
        "",
        C.table(["sequence", "fp32 sum", "bf16 sum", "abs error", "bf16 spacing at that size"], quantization_probe(model_dir, batch)),
    ]
    return "\n".join(out)


if __name__ == "__main__":
    C.run_main(main)

"""What every training stage shares: TRL config with CPU-safe defaults, record -> rows, one build path.

TRL 1.16 configs default to `bf16=True` and gradient (activation) checkpointing on; both are wrong
for a CPU and for small models, so stages build their configs here and only then apply the
recipe's free `trl:` mapping, which always wins.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import torch

from toolkit.core import hardware
from toolkit.core.errors import UserInputError
from toolkit.core.schema import Message, PreferencePair, SFTConversation, plain_turns
from toolkit.recipe import Recipe, StageSettings
from toolkit.stages.base import StageInputs, StageOutcome

ConfigT = TypeVar("ConfigT")


def accelerator_kind() -> str:
    if torch.cuda.is_available():
        return "cuda"
    return "cpu"


def bf16_supported() -> bool:
    return torch.cuda.is_available() and torch.cuda.is_bf16_supported()


def cpu_mixed_precision(recipe: Recipe) -> bool:
    """Whether a CPU run trains under bf16 autocast (fp32 master weights, LoRA deltas summed in fp32).

    Measured in bench/RESULTS.md: on a bf16-capable CPU the adapters train to the same fp32-evaluated
    loss as fp32, faster. On a GPU the recipe's `dtype` decides instead.
    """
    if accelerator_kind() == "cuda":
        return False
    return hardware.bf16_autocast_on_cpu(recipe.model.precision)


def add_lora_deltas_in_fp32(model: Any) -> int:
    """Make every LoRA layer add its delta to an fp32 copy of the base output while bf16 autocast is on.

    Why: under autocast the base layer's output is already on the bf16 grid, so a young adapter's delta
    (smaller than half a bf16 step) rounds straight back to the same value; the weights still train,
    but the forward (and every logged loss) cannot see them. Returns how many layers were hooked.
    """
    from peft.tuners.lora.layer import Linear as LoraLinear

    def upcast(_module: Any, _inputs: Any, output: Any) -> Any:
        if isinstance(output, torch.Tensor) and output.dtype == torch.bfloat16 and torch.is_autocast_enabled("cpu"):
            return output.float()
        return None

    hooked = 0
    for module in model.modules():
        if isinstance(module, LoraLinear) and not getattr(module, "_toolkit_fp32_delta", False):
            module.base_layer.register_forward_hook(upcast)
            module._toolkit_fp32_delta = True
            hooked += 1
    return hooked


def build_trl_config(
    config_cls: type[ConfigT],
    recipe: Recipe,
    stage_name: str,
    settings: StageSettings,
    output_dir: Path,
    report_to: list[str],
    run_name: str,
    extra: dict[str, Any] | None = None,
) -> ConfigT:
    """A TRL config from the recipe: shared hyper-parameters, CPU-safe defaults, stage extras, then `trl:`."""
    on_gpu = accelerator_kind() == "cuda"
    wants_bf16 = recipe.model.dtype == "bfloat16" or (recipe.model.dtype == "auto" and bf16_supported())
    kwargs: dict[str, Any] = {
        "output_dir": str(output_dir),
        "run_name": run_name,
        "report_to": report_to,
        "seed": recipe.seed,
        "data_seed": recipe.seed,
        "learning_rate": settings.learning_rate,
        "num_train_epochs": settings.num_train_epochs,
        "max_steps": settings.max_steps,
        "per_device_train_batch_size": settings.per_device_train_batch_size,
        "per_device_eval_batch_size": settings.per_device_eval_batch_size,
        "gradient_accumulation_steps": settings.gradient_accumulation_steps,
        "logging_steps": settings.logging_steps,
        "save_strategy": "steps",
        "save_steps": settings.save_steps,
        "save_total_limit": 2,
        "warmup_steps": settings.warmup_ratio if settings.warmup_ratio < 1 else 0,
        "max_length": settings.max_length,
        # CPU-safe defaults (TRL's are tuned for GPUs): bf16 autocast only where it measurably wins
        # (cpu_mixed_precision), and no activation checkpointing, which only trades speed for memory
        # that small models do not need.
        "bf16": bool(on_gpu and wants_bf16 and bf16_supported()) or cpu_mixed_precision(recipe),
        "activation_checkpointing": False,
        "gradient_checkpointing": False,
        "use_cpu": not on_gpu,
        "dataloader_num_workers": 0,
        "disable_tqdm": os.environ.get("TOOLKIT_QUIET") == "1",
        "trust_remote_code": recipe.model.trust_remote_code,
    }
    kwargs.update(extra or {})
    user = dict(settings.trl)
    known = {f.name for f in dataclasses.fields(config_cls)}  # type: ignore[arg-type]
    unknown = sorted(set(user) - known)
    if unknown:
        raise UserInputError(
            f"stages.{stage_name}.trl.{unknown[0]}", f"not a field of {config_cls.__name__} (TRL {_trl_version()})"
        )
    if "gradient_checkpointing" in user and "activation_checkpointing" not in user:
        user["activation_checkpointing"] = user["gradient_checkpointing"]
    kwargs.update(user)
    kwargs = {k: v for k, v in kwargs.items() if k in known}
    try:
        return config_cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise UserInputError(f"stages.{stage_name}", f"invalid TRL configuration: {exc}") from None


def _trl_version() -> str:
    import trl

    return trl.__version__


def is_conversational(pairs: list[PreferencePair]) -> bool:
    """Whether any pair uses message lists: then every row of the dataset must (Arrow columns cannot
    mix strings and lists, e.g. the string-format safety mix beside conversational proposal pairs)."""
    return any(not isinstance(v, str) for p in pairs for v in (p.prompt, p.chosen, p.rejected))


def preference_row(pair: PreferencePair, conversational: bool | None = None) -> dict[str, Any]:
    """A TRL preference example. Mixed formats are made conversational so one template applies;
    `conversational=True` makes a plain-text pair conversational too (see `is_conversational`)."""
    prompt, chosen, rejected = pair.prompt, pair.chosen, pair.rejected
    conversational = bool(conversational) or any(not isinstance(v, str) for v in (prompt, chosen, rejected))
    if conversational:
        prompt = [Message(role="user", content=prompt)] if isinstance(prompt, str) else prompt
        chosen = [Message(role="assistant", content=chosen)] if isinstance(chosen, str) else chosen
        rejected = [Message(role="assistant", content=rejected)] if isinstance(rejected, str) else rejected
    return {
        "prompt": plain_turns(prompt),
        "chosen": plain_turns(chosen),
        "rejected": plain_turns(rejected),
        "rejected_unsafe": float(bool(pair.rejected_unsafe)),
    }


def sft_row(conversation: SFTConversation, conversational: bool = True) -> dict[str, Any]:
    return {"messages": plain_turns(conversation.messages)}


def last_checkpoint(output_dir: Path) -> str | None:
    """The newest `checkpoint-N` folder that finished writing (has trainer_state.json)."""
    if not output_dir.exists():
        return None
    checkpoints = [
        p for p in output_dir.glob("checkpoint-*") if p.is_dir() and (p / "trainer_state.json").exists()
    ]
    if not checkpoints:
        return None
    return str(max(checkpoints, key=lambda p: int(p.name.split("-")[-1])))


def load_policy_model(recipe: Recipe, init_adapters: Sequence[Path] = ()) -> Any:
    """The base causal LM with earlier stages' adapters merged in, in training order (SFT, then DPO)."""
    from toolkit.models import load_causal_lm

    model = load_causal_lm(recipe.model)
    for adapter in init_adapters:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    return model


@dataclass(frozen=True)
class TrainerParts:
    """How one training stage differs from the others; `build_trainer` does the rest, the same way for all."""

    stage: str
    config_cls: type[Any]  # the TRL config (or our subclass of it, with the stage's extra knobs)
    trainer_cls: type[Any]
    task_type: Literal["CAUSAL_LM", "SEQ_CLS"]  # policy (causal LM) or scorer (one-label sequence classifier)
    to_row: Callable[[Any, bool], dict[str, Any]]  # (gated record, conversational dataset?) -> TRL row
    configure: Callable[[Any, Any], dict[str, Any]]  # (settings, tokenizer) -> stage fields of the config
    collator: Callable[[Any, Any], Any] | None = None  # (tokenizer, config) -> data collator


def build_trainer(recipe: Recipe, inputs: StageInputs, parts: TrainerParts) -> Any:
    """Tokenizer, TRL config, dataset rows, model (+ an earlier adapter), LoRA, trainer: one sequence."""
    from datasets import Dataset

    from toolkit.models import load_sequence_classifier, load_tokenizer, peft_lora_config

    settings = getattr(recipe.stages, parts.stage)
    tokenizer = load_tokenizer(recipe.model.name, recipe.model.trust_remote_code)
    config = build_trl_config(
        parts.config_cls,
        recipe,
        parts.stage,
        settings,
        inputs.stage_dir / "checkpoints",
        inputs.report_to,
        inputs.run_name,
        extra=parts.configure(settings, tokenizer),
    )
    records = [*inputs.train_records, *inputs.eval_records]
    # one format per dataset: Arrow columns cannot mix plain-text and conversational pairs
    conversational = bool(records) and isinstance(records[0], PreferencePair) and is_conversational(records)
    train = Dataset.from_list([parts.to_row(r, conversational) for r in inputs.train_records])
    evaluation = (
        Dataset.from_list([parts.to_row(r, conversational) for r in inputs.eval_records]) if inputs.eval_records else None
    )
    if parts.task_type == "CAUSAL_LM":
        model = load_policy_model(recipe, inputs.init_adapters)
    else:
        model = load_sequence_classifier(recipe.model, num_labels=1)
    return parts.trainer_cls(
        model=model,
        args=config,
        train_dataset=train,
        eval_dataset=evaluation,
        processing_class=tokenizer,
        peft_config=peft_lora_config(recipe.model, parts.task_type),
        data_collator=parts.collator(tokenizer, config) if parts.collator else None,
        callbacks=list(inputs.callbacks) or None,
    )


def train_and_save(trainer: Any, inputs: StageInputs) -> dict[str, float]:
    """Train (resuming from a checkpoint when given), save the adapter + tokenizer, evaluate.

    Returns final metrics; `train_examples` counts what reached the trainer after TRL's own
    filtering (e.g. length filters), so the manifest can show if anything was dropped there.
    """
    stage = inputs.stage_dir.name
    if len(trainer.train_dataset) == 0:
        raise UserInputError(
            f"stages.{stage}",
            f"no training examples left: {len(inputs.train_records)} passed the gate, and TRL dropped the rest "
            "(longer than max_length?); raise max_length or check the gate report",
        )
    if trainer.args.bf16 and accelerator_kind() == "cpu":
        add_lora_deltas_in_fp32(trainer.model)
    result = trainer.train(resume_from_checkpoint=inputs.resume_from_checkpoint)
    adapter_dir = inputs.stage_dir / "adapter"
    trainer.save_model(str(adapter_dir))
    if trainer.is_world_process_zero():
        trainer.processing_class.save_pretrained(str(adapter_dir))
    metrics: dict[str, float] = {
        "train_loss": float(result.training_loss),
        "train_steps": float(result.global_step),
        "train_examples": float(len(trainer.train_dataset)),
        # TRL filters examples itself (e.g. the reward trainer drops pairs longer than max_length)
        "dropped_by_trainer": float(len(inputs.train_records) - len(trainer.train_dataset)),
        "world_size": float(trainer.args.world_size),
    }
    if trainer.eval_dataset is not None and len(trainer.eval_dataset) > 0:
        metrics.update({k: float(v) for k, v in trainer.evaluate().items() if isinstance(v, int | float)})
        metrics["eval_examples"] = float(len(trainer.eval_dataset))
    return metrics


def execute_training(trainer: Any, inputs: StageInputs) -> StageOutcome:
    """The `execute` of every training stage: train_and_save, reported as a StageOutcome."""
    stage = inputs.stage_dir.name
    metrics = train_and_save(trainer, inputs)
    return StageOutcome(
        metrics=metrics,
        artifacts={"adapter": f"{stage}/adapter"},
        summary={f"final/{k}": v for k, v in metrics.items()},
        message=f"{stage}: done, loss {metrics.get('train_loss', float('nan')):.4f}",
    )

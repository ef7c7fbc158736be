"""Shared pieces of the benchmarks: the real model, deterministic data, a step timer, medians, tables.

Every benchmark measures A and B side by side in one process (alternating, several repetitions) and
prints a Markdown table plus the ratio; nothing here is asserted by tests.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TOOLKIT_QUIET", "1")
os.environ.setdefault("WANDB_MODE", "disabled")

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from transformers import TrainerCallback  # noqa: E402

from toolkit.core.schema import Message, PreferencePair, SFTConversation  # noqa: E402

# ---------------------------------------------------------------- model and machine


def real_model_dir() -> Path:
    """SmolLM2-135M-Instruct as safetensors (prepared once under $TOOLKIT_HOME)."""
    from toolkit.models import prepare_model

    return prepare_model(show_progress=False)


def cpu_model_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu_flags() -> set[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def machine_info() -> dict[str, str]:
    import peft
    import torch
    import transformers
    import trl

    flags = cpu_flags()
    bf16_units = [f for f in ("avx512_bf16", "amx_bf16", "amx_tile") if f in flags]
    return {
        "cpu": cpu_model_name(),
        "cores": str(os.cpu_count()),
        "torch threads": str(torch.get_num_threads()),
        "bf16 units": ", ".join(bf16_units) or "none",
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "trl": trl.__version__,
        "peft": peft.__version__,
        "load average": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


# ---------------------------------------------------------------- data (deterministic, no network)

_SENTENCES = [
    "I rebuilt three Shopify stores this year and can start on Monday.",
    "The milestones are listed in the proposal with a price for each one.",
    "I will audit your SEO, fix the ten most important issues and report every week.",
    "The React dashboard can be delivered in two weeks with tests and a handover call.",
    "Wireframes come first in Figma, then two rounds of revisions before development.",
    "I have five years of bookkeeping experience with Xero and reconcile accounts monthly.",
    "All files are delivered through the platform, with captions and a 1080p export.",
    "Payment goes through the platform escrow once each milestone is approved.",
    "If anything is unclear I will ask in the project chat before I start.",
    "A short call at the start helps me understand the brand and the audience.",
]
_REJECTED = [
    "i can do it, send details.",
    "ok",
    "Pay me directly so we avoid the fees, contact me outside the platform.",
    "I am interested, please check my profile and hire me fast.",
]


def _text(seed: int, sentences: int) -> str:
    return " ".join(_SENTENCES[(seed * 7 + k * 3) % len(_SENTENCES)] for k in range(sentences))


def preference_pairs(n: int, prompt_sentences: int = 2, answer_sentences: int = 4) -> list[PreferencePair]:
    """`n` conversational pairs; about 15 tokens a sentence, so the defaults give ~100-token sequences."""
    pairs = []
    for i in range(n):
        rejected = _REJECTED[i % len(_REJECTED)] + " " + _text(i + 5, max(0, answer_sentences // 2 - 1))
        pairs.append(
            PreferencePair(
                id=f"bench-{i}",
                use_case="proposal_writing",
                prompt=[Message(role="user", content=f"Job {i}: " + _text(i, prompt_sentences))],
                chosen=[Message(role="assistant", content=_text(i + 1, answer_sentences))],
                rejected=[Message(role="assistant", content=rejected.strip())],
                rejected_unsafe=i % 2 == 0,
            )
        )
    return pairs


def conversations(n: int, variable: bool = True, base_sentences: int = 2) -> list[SFTConversation]:
    """Two-turn chats; with `variable`, answer lengths cycle from 1 to 8 sentences (for packing)."""
    records = []
    for i in range(n):
        length = (1 + (i * 5) % 8) if variable else base_sentences
        records.append(
            SFTConversation(
                id=f"bench-sft-{i}",
                use_case="proposal_writing",
                messages=[
                    Message(role="user", content=f"Help me scope project {i}: a landing page."),
                    Message(role="assistant", content=_text(i, length)),
                    Message(role="user", content="And the timeline?"),
                    Message(role="assistant", content=f"About {i % 5 + 2} weeks. " + _text(i + 3, max(1, length // 2))),
                ],
            )
        )
    return records


# ---------------------------------------------------------------- timing


class StepTimer(TrainerCallback):
    """Wall time of each optimizer step, from on_step_begin to on_step_end (first step is warm-up)."""

    def __init__(self) -> None:
        self.durations: list[float] = []
        self._started = 0.0

    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._started = time.perf_counter()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.durations.append(time.perf_counter() - self._started)

    def step_seconds(self) -> float:
        """Median step time without the warm-up step."""
        timed = self.durations[1:] or self.durations
        return statistics.median(timed) if timed else float("nan")


def losses(trainer: Any) -> list[float]:
    return [float(entry["loss"]) for entry in trainer.state.log_history if "loss" in entry]


def tokens_per_step(trainer: Any, kind: str) -> float:
    """Real (non-pad) tokens in an average optimizer step, from TRL's tokenized training set."""
    args = trainer.args
    limit = args.max_length or 10**9
    data = trainer.train_dataset
    if kind == "dpo":
        per_example = [
            min(len(p) + len(c), limit) + min(len(p) + len(r), limit)
            for p, c, r in zip(data["prompt_ids"], data["chosen_ids"], data["rejected_ids"], strict=True)
        ]
    elif kind == "reward":
        per_example = [min(len(c), limit) + min(len(r), limit) for c, r in zip(data["chosen_ids"], data["rejected_ids"], strict=True)]
    else:
        per_example = [min(len(ids), limit) for ids in data["input_ids"]]
    batch = args.per_device_train_batch_size * args.gradient_accumulation_steps
    return statistics.mean(per_example) * min(batch, len(per_example))


def median(values: Iterable[float]) -> float:
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def alternate(variants: Sequence[str], repetitions: int) -> list[str]:
    """A B, B A, A B, ...: each repetition reverses the order so drift in machine load cancels."""
    order: list[str] = []
    for rep in range(repetitions):
        order.extend(variants if rep % 2 == 0 else list(reversed(variants)))
    return order


def run_interleaved(variants: dict[str, Callable[[], dict[str, float]]], repetitions: int) -> dict[str, list[dict[str, float]]]:
    """Call each variant `repetitions` times in alternating order; every call returns its measurements."""
    results: dict[str, list[dict[str, float]]] = {name: [] for name in variants}
    for name in alternate(list(variants), repetitions):
        results[name].append(variants[name]())
    return results


# ---------------------------------------------------------------- output


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float):
            if value != value:
                return "n/a"
            return f"{value:.3f}" if abs(value) < 100 else f"{value:.0f}"
        return str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def quiet_libraries() -> None:
    import warnings

    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    warnings.filterwarnings("ignore")
    try:
        from datasets.utils.logging import disable_progress_bar

        disable_progress_bar()
    except ImportError:
        pass


def run_main(main: Callable[[list[str] | None], str]) -> None:
    """Run a benchmark's `main`, sending library chatter (trainer log dicts) to stderr, the table to stdout."""
    import contextlib

    with contextlib.redirect_stdout(sys.stderr):
        result = main(None)
    print(result, flush=True)


# ---------------------------------------------------------------- toolkit and bare-TRL runs

SFT_ONLY = {"packing", "assistant_only_loss"}
LORA = {"r": 16, "alpha": 32, "dropout": 0.0, "target_modules": "all-linear"}


def bench_recipe(
    model_dir: Path, stage: dict[str, Any], dpo: dict[str, Any] | None = None, seed: int = 42, precision: str = "auto"
) -> Any:
    """A recipe for the real model: fp32 weights, the toolkit's CPU precision profile, LoRA r=16, same stage settings."""
    from toolkit.recipe import Recipe

    stage = {"logging_steps": 1, "save_steps": 10_000, **stage}
    shared = {k: v for k, v in stage.items() if k not in SFT_ONLY}
    return Recipe.model_validate(
        {
            "name": "bench",
            "seed": seed,
            "model": {"name": str(model_dir), "dtype": "float32", "precision": precision, "lora": LORA},
            "stages": {
                "sft": dict(stage),
                "reward": shared,
                "dpo": {**shared, **(dpo or {})},
            },
        }
    )


def bare_lora(task_type: str) -> Any:
    from peft import LoraConfig

    return LoraConfig(
        r=LORA["r"],
        lora_alpha=LORA["alpha"],
        lora_dropout=LORA["dropout"],
        target_modules=LORA["target_modules"],
        task_type=task_type,
        modules_to_save=["score"] if task_type == "SEQ_CLS" else None,
    )


def trl_common_args(out: str, stage: Any, seed: int) -> dict[str, Any]:
    """What a careful bare-TRL script sets by hand for the same run (fp32, no checkpointing on CPU)."""
    return {
        "output_dir": out,
        "seed": seed,
        "data_seed": seed,
        "learning_rate": stage.learning_rate,
        "num_train_epochs": stage.num_train_epochs,
        "max_steps": stage.max_steps,
        "per_device_train_batch_size": stage.per_device_train_batch_size,
        "gradient_accumulation_steps": stage.gradient_accumulation_steps,
        "max_length": stage.max_length,
        "logging_steps": stage.logging_steps,
        "save_strategy": "steps",
        "save_steps": stage.save_steps,
        "report_to": [],
        "use_cpu": True,
        "bf16": False,
        "gradient_checkpointing": False,
        "dataloader_num_workers": 0,
        "disable_tqdm": True,
    }


class ToolkitStageProbe:
    """Runs a toolkit stage the way the pipeline does (the registry's build, then execute), with a
    StepTimer passed in as a trainer callback; keeps the trainer for token counting."""

    def __init__(self) -> None:
        self.timer = StepTimer()
        self.trainer: Any = None

    def run(self, stage: str, recipe: Any, records: list[Any], workdir: Path) -> dict[str, float]:
        from toolkit.registry import STAGES
        from toolkit.stages.base import StageInputs

        if stage not in STAGES:
            raise NotImplementedError(f"this version of the toolkit has no {stage} stage")
        spec = STAGES[stage]
        inputs = StageInputs(
            stage_dir=workdir, train_records=records, eval_records=[], report_to=[], run_name="bench", callbacks=[self.timer]
        )
        self.trainer = spec.builder()(recipe, inputs)
        return spec.executor()(self.trainer, inputs).metrics


def bare_trl_trainer(
    stage: str,
    recipe: Any,
    records: list[Any],
    model_dir: Path,
    out: str,
    callbacks: list[Any],
    trl_defaults_for_precision: bool = False,
) -> Any:
    """The same run written directly against TRL: same model, data, hyper-parameters, steps.

    With `trl_defaults_for_precision`, `bf16` and gradient checkpointing are left at TRL's
    defaults instead of being set for a CPU.
    """
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer

    from toolkit.stages.common import preference_row, sft_row
    from toolkit.stages.sft import CHATML_TRAINING_TEMPLATE

    settings = getattr(recipe.stages, stage)
    args = trl_common_args(out, settings, recipe.seed)
    if trl_defaults_for_precision:
        args.pop("bf16")
        args.pop("gradient_checkpointing")
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if stage == "sft":
        from trl import SFTConfig, SFTTrainer

        tokenizer.chat_template = CHATML_TRAINING_TEMPLATE  # assistant-only loss needs generation markers
        config = SFTConfig(**args, packing=settings.packing, assistant_only_loss=settings.assistant_only_loss)
        return SFTTrainer(
            model=AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32),
            args=config,
            train_dataset=Dataset.from_list([sft_row(r) for r in records]),
            processing_class=tokenizer,
            peft_config=bare_lora("CAUSAL_LM"),
            callbacks=callbacks,
        )
    if stage == "reward":
        from trl import RewardConfig, RewardTrainer

        model = AutoModelForSequenceClassification.from_pretrained(str(model_dir), num_labels=1, dtype=torch.float32)
        model.config.pad_token_id = tokenizer.pad_token_id
        rows = [preference_row(p) for p in records]
        for row in rows:
            row.pop("rejected_unsafe")
        return RewardTrainer(
            model=model,
            args=RewardConfig(**args),
            train_dataset=Dataset.from_list(rows),
            processing_class=tokenizer,
            peft_config=bare_lora("SEQ_CLS"),
            callbacks=callbacks,
        )
    from trl import DPOConfig, DPOTrainer

    rows = [preference_row(p) for p in records]
    for row in rows:
        row.pop("rejected_unsafe")
    config = DPOConfig(
        **args,
        beta=settings.beta,
        loss_type=list(settings.loss_type),
        precompute_ref_log_probs=settings.precompute_ref_log_probs,
    )
    return DPOTrainer(
        model=AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32),
        args=config,
        train_dataset=Dataset.from_list(rows),
        processing_class=tokenizer,
        peft_config=bare_lora("CAUSAL_LM"),
        callbacks=callbacks,
    )


def bare_trl_run(stage: str, recipe: Any, records: list[Any], model_dir: Path, **kwargs: Any) -> tuple[Any, StepTimer]:
    import tempfile

    timer = StepTimer()
    with tempfile.TemporaryDirectory() as out:
        trainer = bare_trl_trainer(stage, recipe, records, model_dir, out, [timer], **kwargs)
        trainer.train()
    return trainer, timer

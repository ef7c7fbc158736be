"""What a stage gets (`StageInputs`) and gives back (`StageOutcome`); the stages themselves are
listed once, in `toolkit.registry.STAGES`.

A stage's `build(recipe, inputs)` returns a trainer-like object (a TRL trainer, or the eval job) and
its `execute(job, inputs)` runs it and returns a `StageOutcome`. The pipeline does everything else
once, for every stage: gate, fingerprint, skip, resume, W&B, manifest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class StageInputs:
    """Everything a stage needs besides the recipe: gated data, where to write, how to log."""

    stage_dir: Path
    train_records: list[Any]
    eval_records: list[Any]
    report_to: list[str]
    run_name: str
    resume_from_checkpoint: str | None = None
    init_adapters: tuple[Path, ...] = ()  # earlier stages' LoRA adapters to merge into the base first, in order
    callbacks: list[Any] = field(default_factory=list)  # transformers TrainerCallbacks (bench timers, ...)
    run_dir: Path | None = None  # the run folder, for stages that read earlier stages' outputs (eval)
    manifest: Mapping[str, Any] = field(default_factory=dict)
    components: Any = None  # eval only: model/classifier factories (tests pass objects with known outputs)
    on_event: Callable[[str], None] = lambda message: None


@dataclass
class StageOutcome:
    """What a stage reports back; the pipeline writes it into the manifest entry and W&B."""

    metrics: dict[str, Any]
    artifacts: dict[str, str]  # relative to the run folder, so a run can be moved or copied
    summary: dict[str, Any]  # the W&B run summary
    message: str  # one line for the console when the stage is done
    timings: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # more manifest fields (eval: per-suite outcomes)
    samples: list[dict[str, Any]] = field(default_factory=list)  # rows of the W&B samples table

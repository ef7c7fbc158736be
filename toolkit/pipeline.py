"""The run: one loop over the registry's stages: split -> gate -> fingerprint/skip/resume -> build -> execute -> manifest.

`runs/<recipe>/<run-id>/` holds recipe.resolved.yaml, manifest.json, the split and gated data,
and one folder per stage. A stage whose inputs (gated data, model, stage and safety settings,
upstream artifacts) hash to the fingerprint of a completed entry is skipped; a stage that was
interrupted resumes from its last checkpoint with `--resume`. Only rank 0 writes files.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.core.errors import UserInputError
from toolkit.core.io import RawFailure, atomic_write_json, check_data_file, read_records, write_jsonl
from toolkit.core.memory import peak_rss_bytes, release_memory, rss_bytes
from toolkit.recipe import Recipe, load_recipe
from toolkit.registry import STAGES, TRAINING_STAGES, Stage
from toolkit.run import (
    Run,
    classifiers_for,
    is_main_process,
    open_run,
    sha256_file,
    sha256_json,
    stage_status,
    utc_now,
)
from toolkit.stages.base import StageOutcome


# ---------------------------------------------------------------- data
@dataclass
class SplitData:
    """One data kind, split once per run and shared by the stages that use it."""

    kind: str
    train: list[Any]
    eval: list[Any]
    invalid: list[RawFailure]
    summary: dict[str, Any]


def load_and_split(run: Run, kind: str) -> SplitData:
    """Read the recipe's data of `kind`, split it leakage-free; invalid records go to the gate."""
    from toolkit.core.io import ReadResult
    from toolkit.data.mixture import mix_records
    from toolkit.data.split import split_records

    data = run.recipe.data
    source = getattr(data, kind)
    mixture = [entry for entry in data.mixture if entry.kind == kind]
    if source is None and not mixture:
        raise UserInputError(f"data.{kind}", f"the recipe enables a stage that needs `data.{kind}.path`")
    use_case = run.recipe.use_case
    read = read_records(source.path, kind, source.format, source.split, use_case=use_case) if source else ReadResult([], [])
    mixed = mix_records(read.records, kind, data.mixture, data.split.seed, use_case=use_case)
    split_settings = data.split
    result = split_records(mixed.records, kind, split_settings.eval_fraction, split_settings.seed)
    removed = [dict(item) if isinstance(item, dict) else _as_dict(item) for item in result.removed]
    failures = [*read.failures, *mixed.failures]
    summary = {
        "path": source.path if source else None,
        "sha256": sha256_file(Path(source.path)) if source and Path(source.path).is_file() else None,
        "input": read.total + sum(m["taken"] + m["invalid"] for m in mixed.summary),
        "train": len(result.train),
        "eval": len(result.eval),
        "duplicates_removed": len(removed),
        "invalid": len(failures),
    }
    if mixed.summary:
        summary["own"] = read.total
        summary["mixture"] = mixed.summary
    out = run.root / "data" / kind
    if is_main_process():
        write_jsonl(out / "train.jsonl", result.train)
        write_jsonl(out / "eval.jsonl", result.eval)
        atomic_write_json(out / "split_report.json", {**summary, "removed": removed})
    return SplitData(kind, list(result.train), list(result.eval), failures, summary)


def _as_dict(item: Any) -> dict[str, Any]:
    if hasattr(item, "model_dump"):
        return item.model_dump(mode="json")
    if hasattr(item, "__dataclass_fields__"):
        import dataclasses

        return dataclasses.asdict(item)
    return {"value": str(item)}


def gate_split(run: Run, stage: str, data: SplitData) -> tuple[list[Any], list[Any], dict[str, Any]]:
    """Gate train (with the invalid records, quarantined) and eval data for one stage; write the audit."""
    from safety.audit import write_gate_outputs
    from safety.classifiers import build_classifiers
    from safety.gate import gate_records

    config = run.recipe.safety
    gate_kind = STAGES[stage].gate_stage or stage  # per stage: reward and cost keep pairs DPO would quarantine
    out = run.stage_dir(stage) / "gate"
    if not config.enabled:
        report = {"enabled": False, "train": {"input": len(data.train)}, "eval": {"input": len(data.eval)}}
        return data.train, data.eval, report
    classifiers = classifiers_for(config, build_classifiers)
    reports: dict[str, Any] = {"enabled": True}
    kept_by_split: dict[str, list[Any]] = {}
    for split, items in (("train", [*data.train, *data.invalid]), ("eval", data.eval)):
        result = gate_records(_progress(items, f"gating {stage} {split}"), gate_kind, config, classifiers)
        if is_main_process():
            write_gate_outputs(result, out / split)
        reports[split] = result.report.model_dump(mode="json")
        kept_by_split[split] = list(result.kept)
    return kept_by_split["train"], kept_by_split["eval"], reports


GATE_SUMMARY_KEYS: tuple[str, ...] = (
    "input", "kept", "quarantined", "redacted", "swapped", "rejected_unsafe", "both_unsafe_kept", "prompt_harmful", "prompt_harmful_kept",
)  # fmt: skip


def gate_summary(report: dict[str, Any]) -> dict[str, Any]:
    """The manifest's one-line view of a stage's gate: decision counts per split (they add up)."""
    return {split: {k: report[split].get(k, 0) for k in GATE_SUMMARY_KEYS} for split in ("train", "eval") if isinstance(report.get(split), dict)}


def _progress(items: list[Any], description: str) -> Any:
    """A Rich progress bar on stderr for the main process; plain iteration elsewhere."""
    if not is_main_process() or os.environ.get("TOOLKIT_QUIET") == "1":
        return items
    from rich.console import Console
    from rich.progress import track

    return track(items, description=description, total=len(items), console=Console(stderr=True), transient=True)


# ---------------------------------------------------------------- stages
def stage_fingerprint(run: Run, stage: str, train: list[Any], eval_: list[Any], upstream: str | None) -> str:
    recipe = run.recipe
    return sha256_json(
        {
            "stage": stage,
            "settings": getattr(recipe.stages, stage).model_dump(mode="json"),
            "model": recipe.model.model_dump(mode="json"),
            "safety": recipe.safety.model_dump(mode="json"),
            "seed": recipe.seed,
            "train": [r.model_dump(mode="json") for r in train],
            "eval": [r.model_dump(mode="json") for r in eval_],
            "upstream": upstream,
        }
    )


def selected_stages(recipe: Recipe, requested: Sequence[str] | None) -> list[str]:
    """The stages to run, in the registry's order: the requested ones, else the recipe's enabled ones."""
    if requested:
        unknown = [s for s in requested if s not in STAGES]
        if unknown:
            raise UserInputError("--stages", f"unknown stage {unknown[0]!r}; use {','.join(STAGES)}")
        return [s for s in STAGES if s in requested]
    return [s for s in STAGES if (getattr(recipe.stages, s).enabled if s in TRAINING_STAGES else recipe.eval.enabled)]


def preflight(recipe: Recipe, stages: Sequence[str]) -> None:
    """Settings errors that would otherwise surface minutes into a run: fail before anything starts."""
    from toolkit.models import bnb_config
    from toolkit.stages.dpo_loss import MARGIN_LOSS_TYPES

    bnb_config(recipe.model)  # 4-bit without CUDA is a one-line error here
    dpo = recipe.stages.dpo
    if "dpo" in stages and dpo.safety_margin and not set(dpo.loss_type) <= MARGIN_LOSS_TYPES:
        raise UserInputError(
            "stages.dpo.safety_margin",
            f"defined for loss_type {sorted(MARGIN_LOSS_TYPES)}; got {dpo.loss_type} (set the margin to 0)",
        )
    for index, entry in enumerate(recipe.data.mixture):
        check_data_file(entry.path, entry.format, f"data.mixture[{index}].path")
    for name in stages:
        kind = STAGES[name].data_kind
        if kind is None:
            continue
        source = getattr(recipe.data, kind)
        has_mixture = any(entry.kind == kind for entry in recipe.data.mixture)
        if source is None and not has_mixture:
            raise UserInputError(f"data.{kind}", f"stage {name!r} needs `data.{kind}.path`")
        if source is not None:
            check_data_file(source.path, source.format, f"data.{kind}.path")  # exists, readable, known format, not empty


@dataclass
class _Prepared:
    """A training stage's gated data and what decides whether it reruns."""

    train: list[Any]
    eval: list[Any]
    gate_report: dict[str, Any]
    gate_seconds: float
    checkpoint: str | None
    init_adapters: tuple[Path, ...]
    rss_start: int = 0


def init_chain(run: Run, stage: Stage) -> tuple[tuple[Path, ...], str | None]:
    """The adapters a stage starts from, oldest first, and the fingerprint of the newest.

    Follows `init_from` back through the registry, skipping stages that did not complete: rl starts
    from SFT + DPO when both ran, from SFT alone when DPO is off.
    """
    chain: list[Path] = []
    upstream: str | None = None
    name = stage.init_from
    while name:
        earlier = run.manifest.get("stages", {}).get(name, {})
        if earlier.get("status") == "completed":
            chain.insert(0, run.root / earlier["artifacts"]["adapter"])
            upstream = upstream or earlier["fingerprint"]
        name = STAGES[name].init_from
    return tuple(chain), upstream


def _prepare_training(run: Run, stage: Stage, data: SplitData, resume: bool, on_event: Callable[[str], None]) -> _Prepared | None:
    """Gate, fingerprint, then skip (None), resume from a checkpoint, or start clean; fills the manifest entry."""
    from toolkit.stages.common import last_checkpoint

    name = stage.name
    entry = run.stage(name)
    started = time.perf_counter()
    rss_start = rss_bytes()
    train, eval_, gate_report = gate_split(run, name, data)
    gate_seconds = time.perf_counter() - started
    if not train:  # TRL would fail on an empty dataset minutes later, with a StopIteration
        training_in = len(data.train) + len(data.invalid)
        raise UserInputError(
            f"{data.summary.get('path')}: data.{data.kind}",
            f"no records left to train {name} on: the gate kept 0 of {training_in} training records "
            f"(reasons in {run.stage_dir(name) / 'gate' / 'train' / 'quarantine.jsonl'})",
        )
    init_adapters, upstream = init_chain(run, stage)
    fingerprint = stage_fingerprint(run, name, train, eval_, upstream)
    stage_dir = run.stage_dir(name)
    if entry.get("status") == "completed" and entry.get("fingerprint") == fingerprint and (stage_dir / "adapter").exists():
        entry["skipped_at"] = utc_now()
        run.save()
        on_event(f"{name}: unchanged since {entry.get('finished_at')}, skipped")
        return None
    checkpoint = None
    if resume and entry.get("fingerprint") == fingerprint:
        checkpoint = last_checkpoint(stage_dir / "checkpoints")
    elif is_main_process() and (stage_dir / "checkpoints").exists():
        shutil.rmtree(stage_dir / "checkpoints")  # inputs changed: old checkpoints do not apply
    entry.update(
        {
            "fingerprint": fingerprint,
            "resumed_from": checkpoint,
            "input_hashes": {
                "data": data.summary.get("sha256"),
                "gated_train": sha256_json([r.model_dump(mode="json") for r in train]),
                "gated_eval": sha256_json([r.model_dump(mode="json") for r in eval_]),
                "upstream": upstream,
            },
            "gate": gate_report,
            "data_split": data.summary,
        }
    )
    run.manifest.setdefault("gate_summary", {})[name] = gate_summary(gate_report)
    on_event(f"{name}: training on {len(train)} gated records" + (f", resuming {checkpoint}" if checkpoint else ""))
    return _Prepared(train, eval_, gate_report, gate_seconds, checkpoint, init_adapters, rss_start)


def run_stage(
    run: Run,
    stage: Stage,
    data: SplitData | None,
    resume: bool,
    on_event: Callable[[str], None],
    callbacks: Sequence[Any] = (),
    components: Any = None,
) -> StageOutcome | None:
    """One stage, the same way for all: gate + fingerprint/skip/resume (stages that train), then build,
    execute, log to W&B and record the manifest entry. Returns None when skipped (or on a non-zero rank
    for stages that only rank 0 runs)."""
    from toolkit.stages.base import StageInputs
    from toolkit.tracking import Tracker

    if stage.trains:
        assert data is not None
        prepared = _prepare_training(run, stage, data, resume, on_event)
        if prepared is None:
            return None
    elif not is_main_process():
        return None  # eval reads the run and writes its results: rank 0 only
    else:
        run.stage(stage.name).clear()  # an evaluation is redone in full, never resumed
        prepared = _Prepared([], [], {}, 0.0, None, None)
    started = time.perf_counter()
    with stage_status(run, stage.name) as entry:
        with Tracker(run.recipe, stage.name, run.root, run.run_id, enabled_on_this_rank=is_main_process()) as tracker:
            if stage.trains:
                tracker.log_gate_report(prepared.gate_report.get("train", {}), name="gate_train")
            inputs = StageInputs(
                stage_dir=run.stage_dir(stage.name),
                train_records=prepared.train,
                eval_records=prepared.eval,
                report_to=tracker.report_to(),
                run_name=f"{run.recipe.name}-{stage.name}-{run.run_id}",
                resume_from_checkpoint=prepared.checkpoint,
                init_adapters=prepared.init_adapters,
                callbacks=list(callbacks),
                run_dir=run.root,
                manifest=run.manifest,
                components=components,
                on_event=on_event,
            )
            outcome: StageOutcome = stage.executor()(stage.builder()(run.recipe, inputs), inputs)
            if stage.trains:
                release_memory()  # the stage's model and trainer must not stay alive under the next stage
            tracker.log_summary(outcome.summary)
            if outcome.samples:
                tracker.log_samples(f"{stage.name}/samples", outcome.samples)
        artifacts = dict(outcome.artifacts)
        timings = dict(outcome.timings)
        # GiB; the peak is the process's so far (ru_maxrss), so it includes earlier stages
        memory = {"peak_rss_gib": round(peak_rss_bytes() / 2**30, 3)}
        if stage.trains:
            artifacts.update(
                {
                    "gated_train": f"{stage.name}/gate/train/kept.jsonl",
                    "quarantine_train": f"{stage.name}/gate/train/quarantine.jsonl",
                }
            )
            timings = {"gate_s": round(prepared.gate_seconds, 2), "train_s": round(time.perf_counter() - started, 2), **timings}
            memory = {
                "rss_start_gib": round(prepared.rss_start / 2**30, 3),
                "rss_end_gib": round(rss_bytes() / 2**30, 3),
                **memory,
            }
        entry.update(
            {
                "metrics": outcome.metrics,
                **outcome.extra,
                "artifacts": artifacts,  # relative to the run folder, so a run can be moved or copied
                "timings": timings,
                "memory": memory,
                "wandb_run_dir": str(tracker.run_path.relative_to(run.root)) if tracker.run_path else None,
            }
        )
    on_event(outcome.message)
    return outcome


def run_pipeline(
    recipe_path: str | Path,
    stages: Sequence[str] | None = None,
    resume: bool = False,
    output_dir: Path | None = None,
    overrides: Sequence[str] | None = None,
    run_id: str | None = None,
    on_event: Callable[[str], None] = lambda message: None,
    callbacks: Sequence[Any] = (),
) -> Run:
    """Run the recipe's stages in order; returns the run (its manifest says what happened).

    `callbacks` (transformers TrainerCallbacks) are added to every training stage's trainer.
    """
    from datasets.utils.logging import disable_progress_bar

    recipe = load_recipe(recipe_path, list(overrides or []))
    chosen = selected_stages(recipe, stages)
    preflight(recipe, chosen)
    disable_progress_bar()  # datasets' per-map bars drown the stage and training progress
    run = open_run(recipe, output_dir, resume, run_id)
    run.manifest["stages_requested"] = chosen
    run.manifest["status"] = "running"
    run.save()
    try:
        _run_stages(run, chosen, resume, on_event, callbacks)
    except KeyboardInterrupt:
        run.manifest["status"] = "interrupted"
        run.save()
        raise
    except BaseException:
        run.manifest["status"] = "failed"
        run.save()
        raise
    run.manifest["status"] = "completed"
    run.manifest["finished_at"] = utc_now()
    run.save()
    return run


def _run_stages(
    run: Run, chosen: Sequence[str], resume: bool, on_event: Callable[[str], None], callbacks: Sequence[Any]
) -> None:
    on_event(f"run {run.root}")
    split_cache: dict[str, SplitData] = {}
    for name in chosen:
        stage = STAGES[name]
        kind = stage.data_kind
        if kind is not None and kind not in split_cache:
            split_cache[kind] = load_and_split(run, kind)
            run.manifest.setdefault("data", {})[kind] = split_cache[kind].summary
            run.save()
        run_stage(run, stage, split_cache.get(kind) if kind else None, resume, on_event, callbacks)


def run_eval_stage(run: Run, on_event: Callable[[str], None] = lambda message: None, components: Any = None) -> StageOutcome | None:
    """The eval stage alone on an existing run (`components` replaces the real models, for tests)."""
    return run_stage(run, STAGES["eval"], None, False, on_event, components=components)


def evaluate_run(
    run_dir: Path,
    overrides: Sequence[str] | None = None,
    on_event: Callable[[str], None] = lambda message: None,
    components: Any = None,
) -> Run:
    """`toolkit eval RUN_DIR`: evaluate an existing run with its resolved recipe (plus `--set` overrides)."""
    import json

    run_dir = Path(run_dir)
    manifest_path = run_dir / "manifest.json"
    recipe_path = run_dir / "recipe.resolved.yaml"
    if not manifest_path.is_file() or not recipe_path.is_file():
        raise UserInputError(str(run_dir), "not a run folder (needs manifest.json and recipe.resolved.yaml)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UserInputError(str(manifest_path), f"invalid JSON: {exc.msg} at line {exc.lineno}") from None
    recipe = load_recipe(recipe_path, list(overrides or []))
    run = Run(recipe, run_dir, str(manifest.get("run_id", run_dir.name)), manifest)
    run_eval_stage(run, on_event, components)
    return run

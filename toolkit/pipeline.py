"""The run: recipe -> load -> split -> gate -> train (sft, reward, cost, dpo) -> evaluate, with a manifest.

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

TRAINING_STAGES: tuple[str, ...] = ("sft", "reward", "cost", "dpo")
ALL_STAGES: tuple[str, ...] = (*TRAINING_STAGES, "eval")
STAGE_DATA = {"sft": "sft", "reward": "preference", "cost": "preference", "dpo": "preference"}


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
    gate_kind = stage  # the policy is per stage: reward and cost keep pairs DPO would quarantine
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
def _stage_runner(stage: str) -> Callable[[Recipe, Any], dict[str, float]]:
    if stage == "sft":
        from toolkit.stages.sft import run_sft

        return run_sft
    if stage == "reward":
        from toolkit.stages.reward import run_reward

        return run_reward
    if stage == "cost":
        from toolkit.stages.reward import run_cost

        return run_cost
    if stage == "dpo":
        from toolkit.stages.dpo import run_dpo

        return run_dpo
    raise ValueError(stage)


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
    if requested:
        unknown = [s for s in requested if s not in ALL_STAGES]
        if unknown:
            raise UserInputError("--stages", f"unknown stage {unknown[0]!r}; use {','.join(ALL_STAGES)}")
        return [s for s in ALL_STAGES if s in requested]
    enabled = [s for s in TRAINING_STAGES if getattr(recipe.stages, s).enabled]
    return enabled + (["eval"] if recipe.eval.enabled else [])


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
    for stage in stages:
        if stage not in STAGE_DATA:
            continue
        kind = STAGE_DATA[stage]
        source = getattr(recipe.data, kind)
        has_mixture = any(entry.kind == kind for entry in recipe.data.mixture)
        if source is None and not has_mixture:
            raise UserInputError(f"data.{kind}", f"stage {stage!r} needs `data.{kind}.path`")
        if source is not None:
            check_data_file(source.path, source.format, f"data.{kind}.path")  # exists, readable, known format, not empty


def run_stage(run: Run, stage: str, data: SplitData, resume: bool, on_event: Callable[[str], None]) -> None:
    """Gate, then train one stage unless an identical completed result exists."""
    from toolkit.stages.common import StageInputs, last_checkpoint
    from toolkit.tracking import Tracker

    entry = run.stage(stage)
    started = time.perf_counter()
    rss_start = rss_bytes()
    train, eval_, gate_report = gate_split(run, stage, data)
    gate_seconds = time.perf_counter() - started
    if not train:  # TRL would fail on an empty dataset minutes later, with a StopIteration
        training_in = len(data.train) + len(data.invalid)
        raise UserInputError(
            f"{data.summary.get('path')}: data.{data.kind}",
            f"no records left to train {stage} on: the gate kept 0 of {training_in} training records "
            f"(reasons in {run.stage_dir(stage) / 'gate' / 'train' / 'quarantine.jsonl'})",
        )
    init_adapter = None
    upstream = None
    if stage == "dpo" and run.manifest.get("stages", {}).get("sft", {}).get("status") == "completed":
        init_adapter = run.root / run.manifest["stages"]["sft"]["artifacts"]["adapter"]
        upstream = run.manifest["stages"]["sft"]["fingerprint"]
    fingerprint = stage_fingerprint(run, stage, train, eval_, upstream)
    stage_dir = run.stage_dir(stage)
    adapter = stage_dir / "adapter"
    if entry.get("status") == "completed" and entry.get("fingerprint") == fingerprint and adapter.exists():
        entry["skipped_at"] = utc_now()
        run.save()
        on_event(f"{stage}: unchanged since {entry.get('finished_at')}, skipped")
        return
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
    run.manifest.setdefault("gate_summary", {})[stage] = gate_summary(gate_report)
    on_event(f"{stage}: training on {len(train)} gated records" + (f", resuming {checkpoint}" if checkpoint else ""))
    train_started = time.perf_counter()
    with stage_status(run, stage) as entry:
        with Tracker(run.recipe, stage, run.root, run.run_id, enabled_on_this_rank=is_main_process()) as tracker:
            tracker.log_gate_report(gate_report.get("train", {}), name="gate_train")
            inputs = StageInputs(
                stage_dir=stage_dir,
                train_records=train,
                eval_records=eval_,
                report_to=tracker.report_to(),
                run_name=f"{run.recipe.name}-{stage}-{run.run_id}",
                resume_from_checkpoint=checkpoint,
                init_adapter=init_adapter,
            )
            metrics = _stage_runner(stage)(run.recipe, inputs)
            release_memory()  # the stage's model and trainer must not stay alive under the next stage
            tracker.log_summary({f"final/{k}": v for k, v in metrics.items()})
        entry.update(
            {
                "metrics": metrics,
                "artifacts": {  # relative to the run folder, so a run can be moved or copied
                    "adapter": f"{stage}/adapter",
                    "gated_train": f"{stage}/gate/train/kept.jsonl",
                    "quarantine_train": f"{stage}/gate/train/quarantine.jsonl",
                },
                "timings": {"gate_s": round(gate_seconds, 2), "train_s": round(time.perf_counter() - train_started, 2)},
                "memory": {  # GiB; the peak is the process's so far (ru_maxrss), so it includes earlier stages
                    "rss_start_gib": round(rss_start / 2**30, 3),
                    "rss_end_gib": round(rss_bytes() / 2**30, 3),
                    "peak_rss_gib": round(peak_rss_bytes() / 2**30, 3),
                },
                "wandb_run_dir": str(tracker.run_path.relative_to(run.root)) if tracker.run_path else None,
            }
        )
    on_event(f"{stage}: done, loss {metrics.get('train_loss', float('nan')):.4f}")


def run_pipeline(
    recipe_path: str | Path,
    stages: Sequence[str] | None = None,
    resume: bool = False,
    output_dir: Path | None = None,
    overrides: Sequence[str] | None = None,
    run_id: str | None = None,
    on_event: Callable[[str], None] = lambda message: None,
) -> Run:
    """Run the recipe's stages in order; returns the run (its manifest says what happened)."""
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
        _run_stages(run, chosen, resume, on_event)
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


def _run_stages(run: Run, chosen: Sequence[str], resume: bool, on_event: Callable[[str], None]) -> None:
    on_event(f"run {run.root}")
    split_cache: dict[str, SplitData] = {}
    for stage in chosen:
        if stage == "eval":
            from toolkit.evaluate import run_eval_stage

            run_eval_stage(run, on_event)
            continue
        kind = STAGE_DATA[stage]
        if kind not in split_cache:
            split_cache[kind] = load_and_split(run, kind)
            run.manifest.setdefault("data", {})[kind] = split_cache[kind].summary
            run.save()
        run_stage(run, stage, split_cache[kind], resume, on_event)

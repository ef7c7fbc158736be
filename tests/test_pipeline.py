"""`toolkit run` end to end on a tiny model: stages, manifest, gating, skip, resume, W&B, errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from transformers import TrainerCallback
from typer.testing import CliRunner

from tests.training_fixtures import write_tiny_recipe
from toolkit.cli import app
from toolkit.pipeline import run_pipeline

STAGES = ["sft", "reward", "cost", "dpo"]


class StepRecorder(TrainerCallback):
    """Notes which run each optimizer step belonged to."""

    def __init__(self) -> None:
        self.steps: list[str] = []

    def on_step_end(self, args, state, control, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.steps.append(args.run_name)


RECORDER = StepRecorder()


@pytest.fixture(scope="module")
def trained_run(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("pipeline")
    recipe = write_tiny_recipe(folder, tiny_model_dir)
    run = run_pipeline(recipe, STAGES, run_id="first", callbacks=[RECORDER])
    return recipe, run.root


def test_callbacks_reach_every_training_stage_trainer(trained_run: tuple[Path, Path]) -> None:
    assert RECORDER.steps == [f"tiny-{stage}-first" for stage in STAGES for _ in range(2)]


def manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text())


def test_every_stage_completes_and_the_manifest_says_so(trained_run: tuple[Path, Path]) -> None:
    _, run_dir = trained_run
    data = manifest(run_dir)
    assert (run_dir / "recipe.resolved.yaml").exists()
    for stage in STAGES:
        entry = data["stages"][stage]
        assert entry["status"] == "completed", stage
        assert (run_dir / entry["artifacts"]["adapter"] / "adapter_config.json").exists()
        assert entry["metrics"]["train_steps"] == 2
        assert set(entry["input_hashes"]) >= {"data", "gated_train", "gated_eval"}
        assert entry["timings"]["train_s"] > 0
    assert data["stages"]["dpo"]["input_hashes"]["upstream"] == data["stages"]["sft"]["fingerprint"]


def test_gate_counts_add_up_and_unsafe_rejections_are_marked(trained_run: tuple[Path, Path]) -> None:
    _, run_dir = trained_run
    data = manifest(run_dir)
    split = data["data"]["preference"]
    gate = data["stages"]["dpo"]["gate"]
    assert gate["train"]["input"] == split["train"] + split["invalid"]
    for part in ("train", "eval"):
        assert gate[part]["input"] == gate[part]["kept"] + gate[part]["quarantined"]
    kept = [json.loads(line) for line in (run_dir / "dpo/gate/train/kept.jsonl").read_text().splitlines()]
    assert len(kept) == gate["train"]["kept"]
    for stage in ("sft", "reward", "dpo"):  # each stage gates with its own policy, summarised in the manifest
        report = data["stages"][stage]["gate"]["train"]
        assert report["stage"] == stage
        assert sum(report["by_quarantine_reason"].values()) == report["quarantined"]
        assert data["gate_summary"][stage]["train"]["input"] == report["kept"] + report["quarantined"]
    assert any(pair.get("rejected_unsafe") for pair in kept)
    assert not any("dev.guy@example.com" in json.dumps(pair) for pair in kept)


def test_rerun_skips_unchanged_stages_and_reruns_what_changed(trained_run: tuple[Path, Path]) -> None:
    recipe, run_dir = trained_run
    adapter = run_dir / "reward/adapter/adapter_model.safetensors"
    before = adapter.stat().st_mtime_ns
    run_pipeline(recipe, STAGES, resume=True, run_id="first")
    data = manifest(run_dir)
    assert all("skipped_at" in data["stages"][s] for s in STAGES)
    assert adapter.stat().st_mtime_ns == before
    dpo_finished = data["stages"]["dpo"]["finished_at"]
    time.sleep(1.1)
    run_pipeline(recipe, ["reward", "dpo"], resume=True, run_id="first", overrides=["stages.dpo.beta=0.3"])
    data = manifest(run_dir)
    assert adapter.stat().st_mtime_ns == before  # reward unchanged: skipped again
    assert data["stages"]["dpo"]["finished_at"] != dpo_finished


def test_same_recipe_and_seed_give_the_same_split_and_gate_decisions(
    trained_run: tuple[Path, Path],
) -> None:
    recipe, run_dir = trained_run
    again = run_pipeline(recipe, ["reward"], run_id="second").root
    for name in ("data/preference/train.jsonl", "data/preference/eval.jsonl", "reward/gate/train/kept.jsonl",
                 "reward/gate/train/quarantine.jsonl"):
        assert (again / name).read_bytes() == (run_dir / name).read_bytes(), name


def test_wandb_offline_run_holds_metrics_and_config_but_no_pii(trained_run: tuple[Path, Path]) -> None:
    from tests.wandb_offline import read_offline_run

    _, run_dir = trained_run
    wandb_dir = manifest(run_dir)["stages"]["dpo"]["wandb_run_dir"]
    offline = read_offline_run(run_dir / wandb_dir)
    assert offline.group == "tiny" and offline.job_type == "dpo"
    assert any("train/loss" in step for step in offline.history)
    assert offline.config["recipe"]["stages"]["dpo"]["safety_margin"] == 1.0
    text = "\n".join(offline.raw_strings())
    assert "dev.guy@example.com" not in text and "415 555 0134" not in text


def test_qlora_on_cpu_is_one_clear_line(tiny_model_dir: Path, tmp_path: Path) -> None:
    recipe = write_tiny_recipe(tmp_path, tiny_model_dir)
    result = CliRunner().invoke(app, ["dpo", str(recipe), "--set", "model.quantization.load_in_4bit=true"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: model.quantization.load_in_4bit:")
    assert "CUDA" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_resume_after_kill_continues_from_the_last_checkpoint(tiny_model_dir: Path, tmp_path: Path) -> None:
    recipe = write_tiny_recipe(
        tmp_path, tiny_model_dir, extra={"stages": {"dpo": {"max_steps": 30, "save_steps": 2}}}
    )
    env = {**os.environ, "TOOLKIT_QUIET": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "toolkit", "dpo", str(recipe), "--run-id", "crash"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True,
    )
    checkpoints = tmp_path / "runs/tiny/crash/dpo/checkpoints"
    deadline = time.time() + 240
    while time.time() < deadline and not list(checkpoints.glob("checkpoint-*/trainer_state.json")):
        assert process.poll() is None, "training ended before it could be interrupted"
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert manifest(tmp_path / "runs/tiny/crash")["stages"]["dpo"]["status"] == "running"
    run = run_pipeline(recipe, ["dpo"], resume=True, run_id="crash")
    entry = manifest(run.root)["stages"]["dpo"]
    assert entry["status"] == "completed"
    assert entry["resumed_from"] and "checkpoint-" in entry["resumed_from"]
    assert entry["metrics"]["train_steps"] == 30


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="torchrun with gloo on Linux")
def test_two_cpu_processes_train_and_only_rank_zero_writes(tiny_model_dir: Path, tmp_path: Path) -> None:
    recipe = write_tiny_recipe(tmp_path, tiny_model_dir)
    env = {**os.environ, "TOOLKIT_QUIET": "1", "OMP_NUM_THREADS": "1"}
    torchrun = Path(sys.executable).with_name("torchrun")
    result = subprocess.run(
        [str(torchrun), "--nproc_per_node", "2", "--master_port", "29533", "-m", "toolkit", "dpo", str(recipe),
         "--run-id", "ddp"],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    run_dir = tmp_path / "runs/tiny/ddp"
    entry = manifest(run_dir)["stages"]["dpo"]
    assert entry["status"] == "completed"
    assert entry["metrics"]["world_size"] == 2
    assert "[rank 1] dpo: done" in result.stderr and "[rank 0] dpo: done" in result.stderr
    wandb_runs = list((run_dir / "wandb").glob("offline-run-*"))
    assert len(wandb_runs) == 1  # rank 1 logged nothing


def test_export_merges_sft_and_dpo_adapters_into_a_standalone_model(
    trained_run: tuple[Path, Path], tmp_path: Path
) -> None:
    import torch
    from transformers import AutoModelForCausalLM

    from toolkit.export import load_policy

    _, run_dir = trained_run
    out = tmp_path / "exported"
    result = CliRunner().invoke(app, ["export", str(run_dir), "--merge", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "model.safetensors").exists() and (out / "tokenizer_config.json").exists()
    assert not (out / "adapter_config.json").exists()
    exported = AutoModelForCausalLM.from_pretrained(out).eval()
    policy, tokenizer = load_policy(run_dir)
    ids = tokenizer("Write a short proposal for a Shopify redesign.", return_tensors="pt").input_ids
    with torch.no_grad():
        assert torch.allclose(exported(ids).logits, policy.eval()(ids).logits, atol=1e-4)
    from toolkit.recipe import load_recipe

    base = AutoModelForCausalLM.from_pretrained(load_recipe(run_dir / "recipe.resolved.yaml").model.name)
    with torch.no_grad():
        assert not torch.allclose(exported(ids).logits, base.eval()(ids).logits, atol=1e-4)


def test_export_of_a_folder_that_is_not_a_run_is_a_user_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["export", str(tmp_path), "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "not a run folder" in result.stderr

"""Every shipped recipe runs end to end (all its stages and eval suites) on the tiny model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolkit.pipeline import run_pipeline
from toolkit.recipe import load_recipe

RECIPES = sorted(p for p in Path("recipes").glob("*.yaml") if p.name != "base.yaml")


def tiny_overrides(model_dir: Path, out: Path) -> list[str]:
    steps = "max_steps=1"
    overrides = [f"model.name={model_dir}", f"output_dir={out}", "tracking.wandb.mode=disabled",
                 "eval.num_prompts=2", "eval.max_new_tokens=4", "data.split.eval_fraction=0.05"]
    for stage in ("sft", "reward", "cost", "dpo"):
        overrides += [f"stages.{stage}.{steps}", f"stages.{stage}.max_length=320",
                      f"stages.{stage}.per_device_train_batch_size=2", f"stages.{stage}.per_device_eval_batch_size=8",
                      f"stages.{stage}.gradient_accumulation_steps=1"]
    return overrides


def test_every_use_case_has_a_recipe() -> None:
    names = {p.stem for p in RECIPES}
    assert {"proposal_writing", "job_post", "candidate_evaluation", "help_center_qa", "project_scoping", "demo"} <= names


@pytest.mark.parametrize("recipe_path", RECIPES, ids=[p.stem for p in RECIPES])
def test_recipe_runs_every_stage_on_a_tiny_model(recipe_path: Path, tiny_model_dir: Path, tmp_path: Path) -> None:
    overrides = tiny_overrides(tiny_model_dir, tmp_path)
    recipe = load_recipe(recipe_path, overrides)
    run = run_pipeline(recipe_path, overrides=overrides)
    manifest = json.loads((run.root / "manifest.json").read_text())
    expected = [s for s in ("sft", "reward", "cost", "dpo") if getattr(recipe.stages, s).enabled]
    for stage in expected:
        entry = manifest["stages"][stage]
        assert entry["status"] == "completed", stage
        for split in ("train", "eval"):
            report = entry["gate"][split]
            assert report["input"] == report["kept"] + report["quarantined"]
    assert sum(manifest["stages"][s]["gate"]["train"]["quarantined"] for s in expected) > 0  # dirty data caught
    for kind in ("sft", "preference"):  # the safety mix is part of every recipe's training data
        assert any(m["taken"] > 0 and "safety" in m["path"] for m in manifest["data"][kind]["mixture"]), kind
    assert set(manifest["gate_summary"]) == set(expected)
    eval_entry = manifest["stages"]["eval"]
    assert eval_entry["status"] == "completed"
    metrics = json.loads((run.root / "eval" / "metrics.json").read_text())
    for suite in recipe.eval.suites:
        assert eval_entry["suites"][suite]["status"] == "completed", (suite, eval_entry["suites"][suite])
    assert "win_rate" in metrics

"""Memory between stages: a finished stage's model and trainer must not live on under the next one.

Before the fix, `toolkit run` kept every earlier stage's model alive (reference cycles waiting for a
full collection, freed heap kept by glibc): ~9 GB by the eval stage of the 135M demo.
"""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest

from tests.training_fixtures import write_tiny_recipe
from toolkit.core.memory import peak_rss_bytes, release_memory, rss_bytes


def _live_models() -> int:
    from transformers import PreTrainedModel

    return sum(isinstance(obj, PreTrainedModel) for obj in gc.get_objects())


@pytest.mark.slow
def test_no_model_outlives_its_stage_and_rss_returns_near_its_start(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from toolkit.pipeline import run_pipeline

    monkeypatch.setenv("WANDB_MODE", "disabled")
    recipe = write_tiny_recipe(tmp_path, tiny_model_dir, name="memory")
    release_memory()
    before = _live_models()
    gc.disable()  # only the pipeline's own collection may free the stages' cycles
    try:
        run = run_pipeline(recipe, ["sft", "reward", "dpo"], run_id="memory")
        left = _live_models() - before
    finally:
        gc.enable()
    assert left == 0, f"{left} model(s) still alive after the stages returned"
    stages = json.loads((run.root / "manifest.json").read_text(encoding="utf-8"))["stages"]
    memory = {name: stages[name]["memory"] for name in ("sft", "reward", "dpo")}
    assert all(m["peak_rss_gib"] >= m["rss_end_gib"] > 0 for m in memory.values())
    # after the first stage (imports, classifiers, caches warm), each stage ends near where it started
    for name in ("reward", "dpo"):
        assert memory[name]["rss_end_gib"] - memory[name]["rss_start_gib"] < 0.15, memory


def test_rss_readings_are_plausible() -> None:
    assert 10 * 2**20 < rss_bytes() <= peak_rss_bytes()

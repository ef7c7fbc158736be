"""FSDP (v2) on two CPU processes with gloo, through accelerate and the shipped CPU config."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.training_fixtures import write_tiny_recipe

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="gloo process group on Linux")
def test_fsdp_on_two_cpu_processes_trains_sft(tiny_model_dir: Path, tmp_path: Path) -> None:
    recipe = write_tiny_recipe(tmp_path, tiny_model_dir)
    env = {**os.environ, "TOOLKIT_QUIET": "1", "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    accelerate = Path(sys.executable).with_name("accelerate")
    result = subprocess.run(
        [str(accelerate), "launch", "--config_file", str(REPO / "recipes/accelerate/cpu_fsdp.yaml"), "--main_process_port", "29541",
         "-m", "toolkit", "sft", str(recipe), "--run-id", "fsdp"],
        capture_output=True, text=True, env=env, timeout=600, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    entry = json.loads((tmp_path / "runs/tiny/fsdp/manifest.json").read_text())["stages"]["sft"]
    assert entry["status"] == "completed" and entry["metrics"]["world_size"] == 2

"""The CLI's contract: exit codes, one-line errors, no tracebacks for bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from typer.testing import CliRunner

from toolkit.cli import app

runner = CliRunner()


def test_recipe_show_prints_resolved_yaml_with_overrides(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("name: r\n")
    result = runner.invoke(app, ["recipe", "show", str(path), "--set", "stages.dpo.beta=0.25"])
    assert result.exit_code == 0, result.output
    shown = yaml.safe_load(result.stdout)
    assert shown["stages"]["dpo"]["beta"] == 0.25
    assert shown["tracking"]["wandb"]["mode"] == "offline"


def test_recipe_validate_reports_every_problem_and_exits_2(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("name: good\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nstages:\n  dpo:\n    beta: 0\n    nope: 1\n")
    result = runner.invoke(app, ["recipe", "validate", str(good), str(bad)])
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 2
    assert "bad.yaml:4: stages.dpo.beta:" in errors[0]
    assert "bad.yaml:5: stages.dpo.nope: unknown key" in errors[1]


def test_bad_override_is_one_line_exit_2_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("name: r\n")
    result = subprocess.run(
        [sys.executable, "-m", "toolkit", "recipe", "show", str(path), "--set", "stages.dpo.beta=oops"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("error: --set: stages.dpo.beta:")
    assert "Traceback" not in result.stderr


def test_missing_recipe_file_is_a_user_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["recipe", "show", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "recipe file not found" in result.stderr

"""The stage registry is the one list of stages: recipe, gate policy, CLI and TRL configs agree with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from safety.config import GATE_STAGE_KIND, GATE_STAGES
from toolkit.cli import app
from toolkit.recipe import Recipe, StagesSettings, load_recipe
from toolkit.registry import STAGES, TRAINING_STAGES
from toolkit.stages.common import build_trl_config


def test_recipe_stage_blocks_are_the_registry_training_stages_in_order() -> None:
    assert tuple(StagesSettings.model_fields) == TRAINING_STAGES


@pytest.mark.parametrize("name", TRAINING_STAGES)
def test_each_training_stage_gates_its_own_data_kind_under_its_own_policy_row(name: str) -> None:
    stage = STAGES[name]
    assert stage.gate_stage in GATE_STAGES
    assert GATE_STAGE_KIND[stage.gate_stage] == stage.data_kind


@pytest.mark.parametrize("name", list(STAGES))
def test_every_stage_resolves_to_its_build_and_execute_functions(name: str) -> None:
    stage = STAGES[name]
    assert callable(stage.builder()) and callable(stage.executor())


def test_cli_has_one_command_per_registry_stage() -> None:
    runner = CliRunner()
    for stage in STAGES.values():
        if stage.command is not None:
            result = runner.invoke(app, [stage.command, "--help"])
            assert result.exit_code == 0, stage.command
            assert stage.summary.split(" (")[0] in " ".join(result.output.split())


def _recipe(tmp_path: Path, body: str, overrides: list[str] | None = None) -> Recipe:
    path = tmp_path / "r.yaml"
    path.write_text("name: r\n" + body, encoding="utf-8")
    return load_recipe(path, overrides or [])


@pytest.mark.parametrize(
    ("stage", "field", "config_name"),
    [("dpo", "safety_margin", "SafetyDPOConfig"), ("cost", "sign_weight", "CostConfig")],
)
def test_safety_knobs_are_config_fields_reachable_from_the_stage_block_and_from_trl(
    tmp_path: Path, stage: str, field: str, config_name: str
) -> None:
    from toolkit.trl_fields import config_class

    config_cls = config_class(config_name)
    parts = {"dpo": "toolkit.stages.dpo:DPO_PARTS", "cost": "toolkit.stages.reward:COST_PARTS"}[stage]
    module, name = parts.split(":")
    configure = getattr(__import__(module, fromlist=[name]), name).configure

    def built(recipe: Recipe) -> object:
        settings = getattr(recipe.stages, stage)
        extra = configure(settings, None)
        return build_trl_config(config_cls, recipe, stage, settings, tmp_path, [], "r", extra=extra)

    from_block = _recipe(tmp_path, f"stages:\n  {stage}:\n    {field}: 0.7\n")
    assert getattr(built(from_block), field) == 0.7
    from_trl = _recipe(tmp_path, f"stages:\n  {stage}:\n    {field}: 0.7\n    trl:\n      {field}: 0.25\n")
    config = built(from_trl)
    assert getattr(config, field) == 0.25  # `trl:` wins, as for every TRL field
    assert config.to_dict()[field] == 0.25  # saved with the training arguments (training_args, W&B config)

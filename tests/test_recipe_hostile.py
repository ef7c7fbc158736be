"""Hostile recipes and overrides (issue 13): each is one `where: field: message` error, before anything runs."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from toolkit.core.errors import UserInputError
from toolkit.recipe import load_recipe, recipe_errors
from toolkit.trl_fields import STAGE_CONFIGS, config_class, config_fields


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def recipe(tmp_path: Path) -> Path:
    return write(tmp_path / "r.yaml", "name: r\nstages:\n  sft:\n    trl: {lr_scheduler_type: cosine}\n")


def error_of(path: Path, overrides: list[str] | None = None) -> str:
    with pytest.raises(UserInputError) as err:
        load_recipe(path, overrides)
    return str(err.value)


@pytest.mark.parametrize(
    "override",
    [
        "model.trust_remote_code=true",
        "safety.classifiers.hf=[{model: x/y, trust_remote_code: true}]",
        "stages.sft.trl.model_init_kwargs={trust_remote_code: true}",
        "model={trust_remote_code: true}",
    ],
)
def test_trust_remote_code_cannot_come_from_set(recipe: Path, override: str) -> None:
    message = error_of(recipe, [override])
    assert message.startswith("--set ")
    assert "only a recipe file can turn on trust_remote_code" in message


def test_trust_remote_code_from_a_recipe_file_is_honoured_and_not_from_the_environment(
    recipe: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("TRUST_REMOTE_CODE", "HF_TRUST_REMOTE_CODE", "HF_DATASETS_TRUST_REMOTE_CODE"):
        monkeypatch.setenv(name, "1")
    assert load_recipe(recipe).model.trust_remote_code is False
    write(recipe, "name: r\nmodel: {trust_remote_code: true}\n")
    assert load_recipe(recipe).model.trust_remote_code is True


def test_extends_cannot_come_from_set(recipe: Path) -> None:
    message = error_of(recipe, ["extends=../../etc/other.yaml"])
    assert message.startswith("--set extends: only a recipe file can set extends")


def test_unknown_override_key_blames_set_not_the_recipe(recipe: Path) -> None:
    assert error_of(recipe, ["nosuch.key=1"]) == "--set: nosuch: unknown key"
    assert error_of(recipe, ["stages.dpo.beta.x=1"]).startswith("--set: stages.dpo.beta:")


def test_trl_values_are_type_checked_at_load_time(recipe: Path) -> None:
    message = error_of(recipe, ["stages.sft.trl.max_steps=abc"])
    assert message.startswith("--set: stages.sft.trl.max_steps: Input should be a valid integer")
    assert "SFTConfig" in message
    checked = load_recipe(recipe, ["stages.dpo.trl.max_steps=7"])
    assert checked.stages.dpo.trl["max_steps"] == 7


def test_unknown_trl_key_is_a_load_error_with_its_line(tmp_path: Path) -> None:
    from importlib.metadata import version

    path = write(tmp_path / "r.yaml", "name: r\nstages:\n  dpo:\n    trl:\n      betaa: 0.2\n")
    expected = f"r.yaml:5: stages.dpo.trl.betaa: not a field of SafetyDPOConfig (TRL {version('trl')})"
    assert error_of(path).endswith(expected)


@pytest.mark.parametrize(
    ("override", "field", "message"),
    [
        ("stages.sft.learning_rate=.inf", "stages.sft.learning_rate", "must be a finite number"),
        ("stages.dpo.beta=.nan", "stages.dpo.beta", "must be a finite number"),
        ("safety.thresholds.default=.nan", "safety.thresholds.default", "must be a finite number"),
        ("stages.sft.max_steps=-5", "stages.sft.max_steps", "must be -1 (train for num_train_epochs)"),
        ("stages.reward.trl.learning_rate=-1", "stages.reward.trl.learning_rate", "must be a finite number greater than 0"),
        ("stages.dpo.trl.max_steps=0", "stages.dpo.trl.max_steps", "must be -1"),
    ],
)
def test_numbers_the_trainer_needs_are_finite_and_positive(recipe: Path, override: str, field: str, message: str) -> None:
    assert error_of(recipe, [override]).startswith(f"--set: {field}: {message}")


def test_a_threshold_outside_zero_to_one_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "r.yaml", "name: r\nsafety:\n  thresholds:\n    toxicity: 1.5\n")
    message = error_of(path)
    assert message.endswith("r.yaml:4: safety.thresholds.toxicity: Input should be less than or equal to 1"), message


@pytest.mark.parametrize("key", ["thresholds", "actions"])
def test_a_misspelt_category_is_refused_not_silently_ignored(recipe: Path, key: str) -> None:
    value = "0.3" if key == "thresholds" else "quarantine"
    message = error_of(recipe, [f"safety.{key}.hiring_discrimation={value}"])
    assert "unknown categories ['hiring_discrimation']" in message, message
    if key == "actions":
        assert "unknown categories ['toxicty']" in error_of(recipe, ["safety.stages.sft.actions.toxicty=keep"])


def test_max_steps_minus_one_means_epochs(recipe: Path) -> None:
    assert load_recipe(recipe, ["stages.sft.max_steps=-1"]).stages.sft.max_steps == -1


def test_duplicate_yaml_keys_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "r.yaml", "name: r\nstages:\n  dpo:\n    beta: 0.1\n    beta: 0.5\n")
    assert error_of(path).endswith("r.yaml:5: stages.dpo.beta: duplicate key (first set on line 4)")
    assert recipe_errors(path)[0].endswith("duplicate key (first set on line 4)")


def test_a_folder_as_recipe_is_one_line(tmp_path: Path) -> None:
    assert error_of(tmp_path).endswith("is a folder; give a recipe YAML file")


def test_a_symlink_loop_as_recipe_is_one_line(tmp_path: Path) -> None:
    os.symlink(tmp_path / "b.yaml", tmp_path / "a.yaml")
    os.symlink(tmp_path / "a.yaml", tmp_path / "b.yaml")
    assert "symlink loop" in error_of(tmp_path / "a.yaml")
    assert "symlink loop" in recipe_errors(tmp_path / "a.yaml")[0]


def test_a_billion_laughs_of_mappings_is_refused_quickly(tmp_path: Path) -> None:
    lines = ["a0: &a0 {x: 1, y: 1}"] + [f"a{i}: &a{i} {{x: *a{i - 1}, y: *a{i - 1}}}" for i in range(1, 40)]
    path = write(tmp_path / "laughs.yaml", "name: r\n" + "\n".join(lines) + "\n")
    assert "aliases expand to more than 1,000,000 values" in error_of(path)
    small = write(tmp_path / "small.yaml", "name: r\n" + "\n".join(lines[:5]) + "\n")
    assert error_of(small).endswith("a0: unknown key (and 4 more problems)")


@pytest.mark.parametrize("stage", sorted(STAGE_CONFIGS))
def test_trl_fields_read_from_source_match_the_real_config_classes(stage: str) -> None:
    config_cls = config_class(STAGE_CONFIGS[stage])
    real = {f.name for f in dataclasses.fields(config_cls) if f.init}
    assert set(config_fields(STAGE_CONFIGS[stage])) == real

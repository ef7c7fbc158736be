"""Recipe loading: extends, path resolution, --set overrides, and precise errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from toolkit.core.errors import UserInputError
from toolkit.recipe import load_recipe, recipe_errors, recipe_to_yaml


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def base_and_child(tmp_path: Path) -> Path:
    write(
        tmp_path / "base.yaml",
        "name: base\nseed: 7\nstages:\n  dpo:\n    beta: 0.1\n    learning_rate: 1.0e-5\n"
        "data:\n  preference:\n    path: data/pairs.jsonl\n",
    )
    return write(tmp_path / "sub" / "child.yaml", "extends: ../base.yaml\nname: child\nstages:\n  dpo:\n    beta: 0.3\n")


def test_child_overrides_parent_and_keeps_the_rest(base_and_child: Path) -> None:
    recipe = load_recipe(base_and_child)
    assert recipe.name == "child"
    assert recipe.seed == 7
    assert recipe.stages.dpo.beta == 0.3
    assert recipe.stages.dpo.learning_rate == 1e-5


def test_paths_resolve_relative_to_the_file_that_names_them(base_and_child: Path, tmp_path: Path) -> None:
    recipe = load_recipe(base_and_child)
    assert recipe.data.preference is not None
    assert Path(recipe.data.preference.path) == (tmp_path / "data" / "pairs.jsonl").resolve()


def test_set_override_is_type_checked(base_and_child: Path) -> None:
    assert load_recipe(base_and_child, ["stages.dpo.beta=0.2"]).stages.dpo.beta == 0.2
    with pytest.raises(UserInputError) as err:
        load_recipe(base_and_child, ["stages.dpo.beta=abc"])
    assert "stages.dpo.beta" in str(err.value)
    assert str(err.value).startswith("--set: stages.dpo.beta")


def test_unknown_key_is_reported_with_file_line_and_key_path(tmp_path: Path) -> None:
    path = write(tmp_path / "r.yaml", "name: r\nstages:\n  dpo:\n    betta: 0.2\n")
    with pytest.raises(UserInputError) as err:
        load_recipe(path)
    assert str(err.value).endswith("r.yaml:4: stages.dpo.betta: unknown key")


def test_wrong_type_points_at_the_line_in_the_child_file(base_and_child: Path) -> None:
    write(base_and_child, "extends: ../base.yaml\nname: child\nstages:\n  dpo:\n    beta: -1\n")
    with pytest.raises(UserInputError) as err:
        load_recipe(base_and_child)
    assert "child.yaml:5: stages.dpo.beta: Input should be greater than 0" in str(err.value)


def test_recipe_errors_lists_every_problem(tmp_path: Path) -> None:
    path = write(tmp_path / "r.yaml", "name: r\nseed: x\nstages:\n  sft:\n    packing: maybe\n  nope: {}\n")
    problems = recipe_errors(path)
    assert len(problems) == 3
    assert any(":2: seed:" in p for p in problems)
    assert any(":5: stages.sft.packing:" in p for p in problems)
    assert any(":6: stages.nope: unknown key" in p for p in problems)


def test_extends_cycle_and_missing_parent_are_user_errors(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "extends: b.yaml\nname: a\n")
    write(tmp_path / "b.yaml", "extends: a.yaml\nname: b\n")
    with pytest.raises(UserInputError, match="cycle"):
        load_recipe(tmp_path / "a.yaml")
    write(tmp_path / "c.yaml", "extends: missing.yaml\nname: c\n")
    with pytest.raises(UserInputError, match="c.yaml:1: extends: parent recipe not found"):
        load_recipe(tmp_path / "c.yaml")


def test_invalid_yaml_reports_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.yaml", "name: x\nstages: [\n  dpo\n")
    with pytest.raises(UserInputError, match=r"bad.yaml:\d+: invalid YAML"):
        load_recipe(path)


def test_resolved_yaml_round_trips(base_and_child: Path, tmp_path: Path) -> None:
    recipe = load_recipe(base_and_child, ["stages.dpo.loss_type=ipo"])
    assert recipe.stages.dpo.loss_type == ["ipo"]
    text = recipe_to_yaml(recipe)
    again = load_recipe(write(tmp_path / "resolved.yaml", text))
    assert again == recipe
    assert yaml.safe_load(text)["model"]["trust_remote_code"] is False


def test_python_object_tags_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "evil.yaml", "name: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(UserInputError, match="invalid YAML"):
        load_recipe(path)

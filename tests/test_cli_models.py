"""`toolkit models prepare` and `toolkit models list` through Typer's CliRunner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.models import DEFAULT_MODEL, toolkit_home

runner = CliRunner()


def test_models_prepare_unknown_hub_id_offline_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))

    result = runner.invoke(app, ["models", "prepare", "nobody-here/does-not-exist"])

    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: model.name: cannot resolve 'nobody-here/does-not-exist' offline")
    assert DEFAULT_MODEL in lines[0]
    assert "Traceback" not in result.output


def test_models_prepare_missing_local_folder_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["models", "prepare", str(tmp_path / "missing")])

    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: model.name: local model folder not found: {tmp_path / 'missing'}"


def test_models_prepare_local_folder_prints_its_path(tiny_model_dir: Path) -> None:
    result = runner.invoke(app, ["models", "prepare", str(tiny_model_dir)])

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(tiny_model_dir.resolve())


def test_models_list_shows_embedded_model_and_local_folders(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(tiny_model_dir, tmp_path / "home" / "models" / "my-tiny")
    monkeypatch.setenv("TOOLKIT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))

    result = runner.invoke(app, ["models", "list"])

    assert result.exit_code == 0, result.output
    rows = {
        line.split()[0]: line.split()[1:4]
        for line in result.stdout.splitlines()
        if line.strip()[:2] in ("Hu", "my")
    }
    assert rows[DEFAULT_MODEL][:2] == ["embedded", "no"]
    assert rows["my-tiny"][:2] == ["local", "yes"]


@pytest.mark.real_model
def test_models_prepare_default_prints_the_prepared_folder() -> None:
    """Uses the user's TOOLKIT_HOME: prepares once, then only reports the folder."""
    result = runner.invoke(app, ["models", "prepare"])

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(toolkit_home() / "models" / "smollm2-135m-instruct")

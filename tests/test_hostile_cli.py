"""Hostile command lines (issue 13): outputs are never silently replaced, stdout carries only output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolkit.cli import app

runner = CliRunner()


@pytest.fixture
def recipe(tmp_path: Path) -> Path:
    path = tmp_path / "gate.yaml"
    path.write_text("name: gate\nsafety:\n  classifiers:\n    semantic: false\n")
    return path


@pytest.fixture
def pairs(tmp_path: Path) -> Path:
    rows = [
        {"id": "a", "use_case": "proposal_writing", "prompt": "Job: logo", "chosen": "Email me at a@b.io", "rejected": "ok"},
        {"id": "b", "use_case": "proposal_writing", "prompt": "Job: logo", "chosen": "Done in 3 days.", "rejected": "DM me on WhatsApp, pay outside"},
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n{broken\n")
    return path


def one_error_line(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def gate(pairs: Path, recipe: Path, out: Path, *extra: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["gate", str(pairs), "--kind", "preference", "--recipe", str(recipe), "--out", str(out), *extra])


def test_gate_into_an_existing_file_is_one_line_and_leaves_the_file(tmp_path: Path, pairs: Path, recipe: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("keep me")
    line = one_error_line(gate(pairs, recipe, target))
    assert line.endswith("is a file; give a folder (it is created if missing)")
    assert target.read_text() == "keep me"


def test_second_gate_into_the_same_folder_keeps_the_first_quarantine(tmp_path: Path, pairs: Path, recipe: Path) -> None:
    out = tmp_path / "gated"
    assert gate(pairs, recipe, out).exit_code == 0
    first = (out / "quarantine.jsonl").read_bytes()
    assert first
    other = tmp_path / "other.jsonl"
    other.write_text(pairs.read_text().splitlines()[0] + "\n")
    line = one_error_line(gate(other, recipe, out))
    assert "folder is not empty" in line and "--overwrite" in line
    assert (out / "quarantine.jsonl").read_bytes() == first
    replaced = gate(other, recipe, out, "--overwrite")
    assert replaced.exit_code == 0, replaced.output
    assert json.loads((out / "report.json").read_text())["input"] == 1


def test_convert_into_a_folder_or_over_a_file_is_one_line(tmp_path: Path) -> None:
    source = tmp_path / "hh.jsonl"
    source.write_text(json.dumps({"chosen": "\n\nHuman: hi\n\nAssistant: hello", "rejected": "\n\nHuman: hi\n\nAssistant: go away"}) + "\n")
    folder = tmp_path / "folder"
    folder.mkdir()
    assert one_error_line(runner.invoke(app, ["data", "convert", str(source), "--from", "hh-rlhf", "--out", str(folder)])).endswith(
        "is a folder; give a file path"
    )
    existing = tmp_path / "pairs.jsonl"
    existing.write_text("old\n")
    line = one_error_line(runner.invoke(app, ["data", "convert", str(source), "--from", "hh-rlhf", "--out", str(existing)]))
    assert line.endswith("file exists; pass --overwrite to replace it")
    assert existing.read_text() == "old\n"
    done = runner.invoke(app, ["data", "convert", str(source), "--from", "hh-rlhf", "--out", str(existing), "--overwrite"])
    assert done.exit_code == 0, done.output
    assert json.loads(existing.read_text().splitlines()[0])["chosen"]


def test_library_prints_go_to_stderr_so_jsonl_stays_pure(tmp_path: Path, recipe: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """transformers prints "[INFO] Running in WANDB offline mode" on import; that must not reach stdout."""
    import toolkit.recipe

    real = toolkit.recipe.load_safety_config

    def chatty(path):  # type: ignore[no-untyped-def]
        print("[INFO] Running in WANDB offline mode")
        return real(path)

    monkeypatch.setattr(toolkit.recipe, "load_safety_config", chatty)
    texts = tmp_path / "texts.txt"
    texts.write_text("hello\nmail me at a@b.io\n")
    result = runner.invoke(app, ["safety", "classify", "--file", str(texts), "--format", "jsonl", "--recipe", str(recipe)])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["text"] for line in result.stdout.splitlines()] == ["hello", "mail me at a@b.io"]
    assert "[INFO] Running in WANDB offline mode" in result.stderr


def test_classify_file_is_one_text_per_newline_terminated_line(tmp_path: Path, recipe: Path) -> None:
    texts = tmp_path / "texts.txt"
    texts.write_text("a\u2028b\nc\u2029d\ne\x85f\ng\x0ch\ni\x0bj\nk\rl\nlast\n", encoding="utf-8", newline="")
    result = runner.invoke(app, ["safety", "classify", "--file", str(texts), "--format", "jsonl", "--recipe", str(recipe)])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 7

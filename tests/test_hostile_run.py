"""Hostile data and interruptions around `toolkit run` (issue 13): one line before training, nothing lost."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.training_fixtures import write_tiny_recipe
from toolkit.cli import app
from toolkit.core.io import MAX_NESTING, RawFailure, iter_records

runner = CliRunner()


def one_error_line(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def pair(record_id: str) -> dict:
    return {"id": record_id, "use_case": "proposal_writing", "prompt": "Job: logo", "chosen": "Done in 3 days.", "rejected": "ok"}


# ---------------------------------------------------------------- readers
def test_json_nested_ten_thousand_deep_is_a_per_record_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    deep_object = '{"id": "d", "meta": ' + "[" * 10_000 + "]" * 10_000 + "}"
    path.write_text(json.dumps(pair("a")) + "\n" + "[" * 10_000 + "]" * 10_000 + "\n" + deep_object + "\n")
    items = list(iter_records(path, "preference"))
    assert len(items) == 3
    failures = [item for item in items if isinstance(item, RawFailure)]
    assert [f.line for f in failures] == [2, 3]
    assert all(f"nested deeper than {MAX_NESTING} levels" in f.problem.message for f in failures)
    for command in (
        ["data", "validate", str(path), "--kind", "preference"],
        ["data", "stats", str(path), "--kind", "preference"],
        ["data", "split", str(path), "--kind", "preference", "--out", str(tmp_path / "split")],
        ["data", "convert", str(path), "--from", "trl", "--out", str(tmp_path / "converted.jsonl")],
    ):
        result = runner.invoke(app, command)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert result.exit_code in (0, 2) and "nested deeper than" in result.stderr, result.output


def test_deep_json_in_a_csv_cell_is_a_per_record_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.csv"
    path.write_text('id,use_case,prompt,chosen,rejected,labels\nx,general,p,c,r,"' + "[" * 5000 + "]" * 5000 + '"\n')
    (failure,) = list(iter_records(path, "preference"))
    assert isinstance(failure, RawFailure) and "nested deeper than" in failure.problem.message


def test_gate_quarantines_deep_and_non_utf8_lines_with_their_bytes(tmp_path: Path) -> None:
    recipe = tmp_path / "g.yaml"
    recipe.write_text("name: g\nsafety:\n  classifiers:\n    semantic: false\n")
    bad_bytes = b'{"id": "b", "prompt": "caf\xe9 \xff"}'
    path = tmp_path / "pairs.jsonl"
    path.write_bytes(json.dumps(pair("a")).encode() + b"\n" + bad_bytes + b"\r\n" + b"[" * 10_000 + b"]" * 10_000 + b"\n")
    result = runner.invoke(app, ["gate", str(path), "--kind", "preference", "--recipe", str(recipe), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "o/report.json").read_text())
    assert (report["input"], report["kept"], report["quarantined"]) == (3, 1, 2)
    quarantined = [json.loads(line) for line in (tmp_path / "o/quarantine.jsonl").read_text().splitlines()]
    undecodable = next(q for q in quarantined if q["line"] == 2)
    assert base64.b64decode(undecodable["raw_base64"]) == bad_bytes  # recoverable, byte for byte
    assert undecodable["raw"] == bad_bytes.decode("utf-8", errors="replace")
    assert "raw_base64" not in next(q for q in quarantined if q["line"] == 3)


# ---------------------------------------------------------------- before training
def test_data_path_outside_any_known_format_is_refused_before_training(tmp_path: Path) -> None:
    recipe = tmp_path / "r.yaml"
    recipe.write_text("name: r\ndata:\n  sft: {path: data/../../../../../../etc/passwd}\neval: {enabled: false}\n")
    line = one_error_line(runner.invoke(app, ["sft", str(recipe), "--output-dir", str(tmp_path / "runs")]))
    assert line.startswith("error: /etc/passwd: data.sft.path: cannot tell the format")
    assert not (tmp_path / "runs").exists()
    recipe.write_text("name: r\ndata:\n  sft: {path: missing.jsonl}\n")
    line = one_error_line(runner.invoke(app, ["sft", str(recipe), "--output-dir", str(tmp_path / "runs")]))
    assert line.endswith("missing.jsonl: data.sft.path: file not found")


def test_empty_sft_file_is_one_error_before_training(tmp_path: Path) -> None:
    (tmp_path / "sft.jsonl").write_text("\n\n")
    recipe = tmp_path / "r.yaml"
    recipe.write_text("name: r\ndata:\n  sft: {path: sft.jsonl}\n")
    line = one_error_line(runner.invoke(app, ["sft", str(recipe), "--output-dir", str(tmp_path / "runs")]))
    assert line.endswith("sft.jsonl: data.sft.path: the file is empty (no records)")
    assert not (tmp_path / "runs").exists()


def test_sft_file_with_no_usable_record_stops_after_the_gate(tiny_model_dir: Path, tmp_path: Path) -> None:
    recipe = write_tiny_recipe(tmp_path, tiny_model_dir)
    (tmp_path / "data/sft.jsonl").write_text('{"id": "x"}\nnot json\n')
    result = runner.invoke(app, ["sft", str(recipe), "--run-id", "empty"])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and result.stderr.strip().endswith(errors[0]) and "Traceback" not in result.output
    line = errors[0]
    assert "data.sft: no records left to train sft on: the gate kept 0 of 2 training records" in line
    manifest = json.loads((tmp_path / "runs/tiny/empty/manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert len((tmp_path / "runs/tiny/empty/sft/gate/train/quarantine.jsonl").read_text().splitlines()) == 2


# ---------------------------------------------------------------- Ctrl-C
@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_ctrl_c_during_training_is_one_line_exit_130_and_manifest_interrupted(tiny_model_dir: Path, tmp_path: Path) -> None:
    recipe = write_tiny_recipe(tmp_path, tiny_model_dir, extra={"stages": {"sft": {"max_steps": 5000, "save_steps": 1}}})
    process = subprocess.Popen(
        [sys.executable, "-m", "toolkit", "sft", str(recipe), "--run-id", "cc", "--set", "seed=4"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "TOOLKIT_QUIET": "1"},
        # A test run started in the background (`make test &`, nohup) ignores SIGINT, and so would the
        # child it inherits that from: give the child the disposition a terminal gives it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    run_dir = tmp_path / "runs/tiny/cc"
    # Signal once the training loop is running (a checkpoint exists), not while Python is still importing:
    # on a loaded CI machine the start-up alone can take minutes, and a Ctrl-C there is a different test.
    deadline = time.time() + 600
    while not (_sft_status(run_dir / "manifest.json") == "running" and list(run_dir.glob("sft/checkpoints/checkpoint-*"))):
        assert process.poll() is None, process.communicate()
        assert time.time() < deadline, "training never started"
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr, stderr
    last = stderr.strip().splitlines()[-1]
    assert last == f"interrupted; resume with: toolkit sft {recipe} --set seed=4 --run-id cc --resume", stderr
    manifest_path = run_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    assert manifest["status"] == "interrupted"
    assert manifest["stages"]["sft"]["status"] == "interrupted"


def _sft_status(manifest_path: Path) -> str | None:
    try:
        return json.loads(manifest_path.read_text()).get("stages", {}).get("sft", {}).get("status")
    except (OSError, ValueError):  # not written yet
        return None

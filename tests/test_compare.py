"""`toolkit compare`: a self-contained HTML report of several runs, checked in headless Chromium."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.report import (
    format_metric,
    print_eval_summary,
    print_run_summary,
    training_curves,
    write_comparison,
)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NEEDS_CHROMIUM = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (Debian: apt-get install -y chromium)"
)
HOSTILE_PROMPT = "<script>alert('x')</script> & pay me outside"


def make_run(
    root: Path, recipe: str, run_id: str, win: float, violation_tuned: float, losses: list[float]
) -> Path:
    """A run folder as the pipeline leaves it: manifest, checkpoints, eval metrics and samples."""
    run_dir = root / recipe / run_id
    metrics = {
        "reward/accuracy": 0.75,
        "win_rate": win,
        "win_rate/wins": 7,
        "safety/violation_rate/base": 0.4,
        "safety/violation_rate/tuned": violation_tuned,
        "over_refusal/base": 0.1,
        "over_refusal/tuned": 0.2,
    }
    gate = {
        "enabled": True,
        "train": {
            "input": 10,
            "kept": 8,
            "quarantined": 2,
            "redacted": 1,
            "by_category": {"off_platform": 2, "pii": 1},
        },
    }
    manifest = {
        "recipe": recipe,
        "run_id": run_id,
        "stages": {
            "sft": {
                "status": "completed",
                "metrics": {"train_loss": losses[-1], "train_steps": len(losses)},
                "gate": gate,
            },
            "dpo": {"status": "completed", "metrics": {"train_loss": 0.69, "train_steps": 2}},
            "eval": {
                "status": "completed",
                "metrics": metrics,
                "suites": {
                    "win_rate": {"status": "completed"},
                    "rag_robustness": {"status": "skipped", "reason": "the recipe sets no data.qa"},
                },
            },
        },
    }
    (run_dir / "eval").mkdir(parents=True)
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (run_dir / "eval" / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    sample = {
        "suite": "win_rate",
        "id": "e1",
        "prompt": [{"role": "user", "content": HOSTILE_PROMPT}],
        "base": "base says hi",
        "tuned": f"tuned by {run_id}",
        "scores": {"verdict": "win"},
    }
    (run_dir / "eval" / "samples.jsonl").write_text(json.dumps(sample) + "\n", encoding="utf-8")
    for step in range(1, len(losses) + 1):  # checkpoint-N holds the history up to step N
        state = run_dir / "sft" / "checkpoints" / f"checkpoint-{step}" / "trainer_state.json"
        state.parent.mkdir(parents=True)
        history = [{"step": s, "loss": loss} for s, loss in enumerate(losses[:step], start=1)]
        state.write_text(json.dumps({"log_history": history}), encoding="utf-8")
    return run_dir


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Path]:
    root = tmp_path_factory.mktemp("compare")
    runs = [
        make_run(
            root / "runs",
            "proposal",
            "20250101-000000",
            0.625,
            0.125,
            [2.0, 1.5, 1.25, 1.0, 0.75, 0.5, 0.375, 0.25, 0.125, 0.1],
        ),
        make_run(root / "runs", "proposal_margin", "20250102-000000", 0.8125, 0.0625, [2.5, 2.0, 1.0]),
    ]
    report = write_comparison(runs, root / "report.html")
    return runs, report


def _chromium(*args: str, user_data: Path) -> subprocess.CompletedProcess[str]:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={user_data}",
    ]
    return subprocess.run(
        [str(CHROMIUM), *flags, *args], capture_output=True, text=True, timeout=120, check=False
    )


@NEEDS_CHROMIUM
def test_rendered_report_shows_run_names_and_metric_values(
    two_runs: tuple[list[Path], Path], tmp_path: Path
) -> None:
    runs, report = two_runs
    result = _chromium("--dump-dom", report.as_uri(), user_data=tmp_path / "profile")
    dom = result.stdout
    assert "Run comparison" in dom, result.stderr[-2000:]
    for run_dir in runs:
        manifest = json.loads((run_dir / "manifest.json").read_text())
        assert f"{manifest['recipe']}/{manifest['run_id']}" in dom
        for value in json.loads((run_dir / "eval" / "metrics.json").read_text()).values():
            assert f">{format_metric(value)}<" in dom
    assert "the recipe sets no data.qa" in dom  # skipped suites keep their reason
    assert "tuned by 20250102-000000" in dom
    assert "<script>alert" not in dom and "&lt;script&gt;alert" in dom  # samples are escaped


@NEEDS_CHROMIUM
def test_rendered_report_screenshot_has_the_requested_size(
    two_runs: tuple[list[Path], Path], tmp_path: Path
) -> None:
    _, report = two_runs
    shot = tmp_path / "compare.png"
    result = _chromium(
        f"--screenshot={shot}", "--window-size=1280,2000", report.as_uri(), user_data=tmp_path / "profile"
    )
    assert shot.exists(), result.stderr[-2000:]
    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == (1280, 2000)


def test_report_is_one_self_contained_file_with_inline_charts(two_runs: tuple[list[Path], Path]) -> None:
    _, report = two_runs
    html = report.read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') == 2  # rate bars, training curves
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert "off_platform: 2, pii: 1" in html  # gate report by category
    assert not list(report.parent.glob(".report.html.*"))  # the atomic write left no temp file


def test_training_curves_come_from_the_latest_checkpoint(two_runs: tuple[list[Path], Path]) -> None:
    runs, _ = two_runs
    curves = training_curves(runs[0] / "sft", {})
    assert [step for step, _ in curves["loss"]] == [
        float(s) for s in range(1, 11)
    ]  # checkpoint-10, not checkpoint-9
    assert curves["loss"][-1] == (10.0, 0.1)


def test_training_curves_fall_back_to_the_manifest_losses(tmp_path: Path) -> None:
    curves = training_curves(tmp_path / "dpo", {"metrics": {"train_loss": 0.5, "train_steps": 4}})
    assert curves == {"loss": [(4.0, 0.5)]}


def test_compare_cli_writes_the_report_and_rejects_a_folder_that_is_not_a_run(
    two_runs: tuple[list[Path], Path], tmp_path: Path
) -> None:
    runs, _ = two_runs
    out = tmp_path / "cli.html"
    result = CliRunner().invoke(app, ["compare", *map(str, runs), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "proposal_margin/20250102-000000" in out.read_text(encoding="utf-8")
    bad = CliRunner().invoke(app, ["compare", str(tmp_path), "--out", str(tmp_path / "x.html")])
    assert bad.exit_code == 2 and "not a run folder" in bad.output
    assert not (tmp_path / "x.html").exists()


def test_terminal_summaries_show_eval_metrics_and_skip_reasons(two_runs: tuple[list[Path], Path]) -> None:
    runs, _ = two_runs
    console = Console(record=True, width=200)
    print_run_summary(runs[0], console)
    print_eval_summary(runs[0], console)
    text = console.export_text()
    assert "win_rate" in text and format_metric(0.625) in text
    assert "rag_robustness: skipped: the recipe sets no data.qa" in text

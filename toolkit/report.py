"""Human-facing summaries of runs: the Rich table after `toolkit run`, and (later) the HTML comparison."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

HEADLINE_METRICS = ("train_loss", "eval_loss", "eval_accuracy", "eval_sign_accuracy", "eval_rewards/accuracies")


def read_manifest(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


def print_run_summary(run_dir: Path, console: Console) -> None:
    """One row per stage: status, gate counts, headline metrics, where its outputs are."""
    manifest = read_manifest(run_dir)
    table = Table(title=f"run {manifest['recipe']} / {manifest['run_id']}")
    for column in ("stage", "status", "gate kept / input", "quarantined", "metrics", "output"):
        table.add_column(column)
    for name, entry in manifest.get("stages", {}).items():
        gate = entry.get("gate", {}).get("train", {})
        metrics = entry.get("metrics", {})
        shown = ", ".join(f"{k}={metrics[k]:.3f}" for k in HEADLINE_METRICS if k in metrics)
        if name == "eval":
            shown = ", ".join(f"{k}={v:.3f}" for k, v in list(metrics.items())[:6] if isinstance(v, int | float))
        table.add_row(
            name,
            entry.get("status", "?"),
            f"{gate.get('kept', '-')} / {gate.get('input', '-')}" if gate else "-",
            str(gate.get("quarantined", "-")) if gate else "-",
            shown or "-",
            str(run_dir / name),
        )
    console.print(table)
    console.print(f"manifest: {run_dir / 'manifest.json'}")

"""Human-facing summaries of runs: the Rich tables after `toolkit run` / `toolkit eval`, and the
self-contained HTML comparison of `toolkit compare` (metrics, rate bars, training curves, gate
reports, side-by-side samples; plots are PNGs inlined as base64, so the file can be mailed as is)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from toolkit.registry import TRAINING_STAGES

EVAL_HEADLINES = (
    "reward/accuracy",
    "win_rate",
    "safety/violation_rate/base",
    "safety/violation_rate/tuned",
    "over_refusal/base",
    "over_refusal/tuned",
    "rag/misleading_context/tuned",
)
HEADLINE_METRICS = (
    "train_loss",
    "eval_loss",
    "eval_accuracy",
    "eval_sign_accuracy",
    "eval_rewards/accuracies",
)


def read_manifest(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


def print_run_summary(run_dir: Path, console: Console) -> None:
    """One row per stage (status, gate counts, headline metrics), then where everything was written."""
    manifest = read_manifest(run_dir)
    table = Table(title=f"run {manifest['recipe']} / {manifest['run_id']}")
    for column in ("stage", "status", "kept / gated", "quarantined", "headline metrics"):
        table.add_column(column, overflow="fold")
    for name, entry in manifest.get("stages", {}).items():
        gate = entry.get("gate", {}).get("train", {})
        metrics = entry.get("metrics", {})
        keys = EVAL_HEADLINES if name == "eval" else HEADLINE_METRICS
        shown = "\n".join(f"{k} {metrics[k]:.3f}" for k in keys if isinstance(metrics.get(k), int | float))
        table.add_row(
            name,
            entry.get("status", "?") + (" (skipped: unchanged)" if "skipped_at" in entry else ""),
            f"{gate.get('kept', '-')} / {gate.get('input', '-')}" if gate else "-",
            str(gate.get("quarantined", "-")) if gate else "-",
            shown or "-",
        )
    console.print(table)
    print_paired_table(manifest.get("stages", {}).get("eval", {}).get("metrics", {}), console)
    console.print(f"run folder: {run_dir}  (manifest.json, <stage>/adapter, <stage>/gate, eval/, wandb/)")
    report = run_dir / "eval" / "metrics.json"
    if report.exists():
        console.print(f"eval metrics: {report}")


def format_interval(low: Any, high: Any) -> str:
    if not isinstance(low, int | float) or not isinstance(high, int | float):
        return "–"
    return f"[{low:+.3f}, {high:+.3f}]"


def print_paired_table(metrics: dict[str, Any], console: Console) -> None:
    """Base vs tuned per metric: the paired difference, its 95 % bootstrap interval, McNemar's p."""
    from toolkit.eval.paired import paired_rows

    rows = paired_rows(metrics)
    if not rows:
        return
    table = Table(title="base vs tuned (same prompts; 95 % paired bootstrap interval of tuned − base)")
    for column in ("metric", "n", "base", "tuned", "diff", "95 % interval", "McNemar p"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for row in rows:
        excludes_zero = isinstance(row["ci_low"], float) and (row["ci_low"] > 0 or row["ci_high"] < 0)
        table.add_row(
            row["metric"],
            format_metric(row["n"]),
            format_metric(row["base"]),
            format_metric(row["tuned"]),
            f"{row['diff']:+.3f}" if isinstance(row["diff"], int | float) else "–",
            format_interval(row["ci_low"], row["ci_high"]) + (" *" if excludes_zero else ""),
            format_metric(row["mcnemar_p"]),
        )
    console.print(table)
    if "win_rate" in metrics:
        low, high = metrics.get("win_rate/ci_low"), metrics.get("win_rate/ci_high")
        console.print(
            f"win rate {metrics['win_rate']:.3f} {format_interval(low, high).replace('+', '')} "
            "— judged by the run's own reward model (in-distribution: it trained on the policy's data)",
            highlight=False,
        )
    console.print("* interval excludes 0", highlight=False)


# ---------------------------------------------------------------- eval summary (terminal)
def print_eval_summary(run_dir: Path, console: Console) -> None:
    """Every eval metric, and each suite's status (skipped ones with their reason)."""
    entry = read_manifest(run_dir).get("stages", {}).get("eval", {})
    table = Table(title=f"eval {run_dir}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in entry.get("metrics", {}).items():
        table.add_row(key, format_metric(value))
    console.print(table)
    print_paired_table(entry.get("metrics", {}), console)
    for suite, outcome in entry.get("suites", {}).items():
        reason = f": {outcome['reason']}" if outcome.get("reason") else ""
        console.print(f"{suite}: {outcome.get('status', '?')}{reason}", highlight=False)
    console.print(f"metrics: {run_dir / 'eval' / 'metrics.json'}")


def format_metric(value: Any) -> str:
    """How a metric reads in tables and the HTML report: counts as integers, rates with 3 decimals."""
    if isinstance(value, bool) or value is None:
        return "–" if value is None else str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


# ---------------------------------------------------------------- HTML comparison
SAMPLE_PROMPTS = 3
GATE_COLUMNS = ("input", "kept", "quarantined", "redacted", "swapped", "flagged", "rejected_unsafe")


@dataclass
class RunView:
    """What the report shows of one run, read from its folder."""

    root: Path
    label: str
    manifest: dict[str, Any]
    metrics: dict[str, Any]
    curves: dict[str, dict[str, list[tuple[float, float]]]]  # stage -> series name -> (step, value)
    samples: list[dict[str, Any]]
    user_study: dict[str, Any] | None = None  # eval/user_study.json, written by `toolkit annotate export`


def read_run_view(run_dir: Path) -> RunView:
    """A run's manifest, eval metrics, training curves and first samples; a folder without a
    manifest is a user error."""
    from toolkit.core.errors import UserInputError

    run_dir = Path(run_dir)
    if not (run_dir / "manifest.json").is_file():
        raise UserInputError(str(run_dir), "not a run folder (no manifest.json)")
    try:
        manifest = read_manifest(run_dir)
    except json.JSONDecodeError as exc:
        raise UserInputError(
            str(run_dir / "manifest.json"), f"invalid JSON: {exc.msg} at line {exc.lineno}"
        ) from None
    metrics_path = run_dir / "eval" / "metrics.json"
    metrics = (
        json.loads(metrics_path.read_text(encoding="utf-8"))
        if metrics_path.is_file()
        else dict(manifest.get("stages", {}).get("eval", {}).get("metrics", {}))
    )
    label = f"{manifest.get('recipe', run_dir.parent.name)}/{run_dir.name}"  # the folder: copies and renames stay distinct
    curves = {
        stage: training_curves(run_dir / stage, manifest.get("stages", {}).get(stage, {}))
        for stage in TRAINING_STAGES
    }
    study_path = run_dir / "eval" / "user_study.json"
    user_study = json.loads(study_path.read_text(encoding="utf-8")) if study_path.is_file() else None
    return RunView(
        run_dir, label, manifest, metrics, {s: c for s, c in curves.items() if c}, _first_samples(run_dir), user_study
    )


def _checkpoint_step(path: Path) -> int:
    suffix = path.name.rsplit("-", 1)[-1]
    return int(suffix) if suffix.isdigit() else -1


def training_curves(stage_dir: Path, entry: dict[str, Any]) -> dict[str, list[tuple[float, float]]]:
    """Loss curves from the latest checkpoint's trainer_state.json (its log_history is the whole
    run so far); without checkpoints, the manifest's final losses as single points."""
    states = sorted(
        (stage_dir / "checkpoints").glob("checkpoint-*/trainer_state.json"),
        key=lambda p: _checkpoint_step(p.parent),
    )
    series: dict[str, list[tuple[float, float]]] = {}
    if states:
        history = json.loads(states[-1].read_text(encoding="utf-8")).get("log_history", [])
        for row in history:
            for name in ("loss", "eval_loss"):
                if isinstance(row.get(name), (int, float)) and "step" in row:
                    series.setdefault(name, []).append((float(row["step"]), float(row[name])))
        return series
    metrics = entry.get("metrics", {})
    steps = float(metrics.get("train_steps", 0) or 0)
    for source, name in (("train_loss", "loss"), ("eval_loss", "eval_loss")):
        if isinstance(metrics.get(source), (int, float)):
            series[name] = [(steps, float(metrics[source]))]
    return series


def _first_samples(run_dir: Path) -> list[dict[str, Any]]:
    """The first samples of each suite, in turn, up to SAMPLE_PROMPTS."""
    path = run_dir / "eval" / "samples.jsonl"
    if not path.is_file():
        return []
    by_suite: dict[str, list[dict[str, Any]]] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                sample = json.loads(line)
                bucket = by_suite.setdefault(str(sample.get("suite")), [])
                if len(bucket) < SAMPLE_PROMPTS:
                    bucket.append(sample)
    chosen: list[dict[str, Any]] = []
    for position in range(SAMPLE_PROMPTS):
        for bucket in by_suite.values():
            if position < len(bucket) and len(chosen) < SAMPLE_PROMPTS:
                chosen.append(bucket[position])
    return chosen


def _png(figure: Any) -> str:
    """A matplotlib figure as an <img> with the PNG inlined (base64), then closed."""
    import base64
    import io

    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(figure)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="chart" src="data:image/png;base64,{encoded}">'


def _bar_panel(
    axis: Any, runs: list[RunView], title: str, keys: dict[str, str], reference: float | None = None
) -> None:
    """Grouped bars: one group per run, one bar per (legend -> metric key) present."""
    import numpy as np

    present = {legend: key for legend, key in keys.items() if any(key in run.metrics for run in runs)}
    axis.set_title(title, fontsize=10)
    if not present:
        axis.text(0.5, 0.5, "no data", ha="center", va="center", transform=axis.transAxes)
        axis.set_xticks([])
        return
    positions = np.arange(len(runs))
    width = 0.8 / len(present)
    for offset, (legend, key) in enumerate(present.items()):
        values = [float(run.metrics.get(key, 0.0)) for run in runs]
        bars = axis.bar(positions + offset * width - 0.4 + width / 2, values, width, label=legend)
        axis.bar_label(bars, fmt="%.2f", fontsize=7)
    axis.set_xticks(positions, [run.label for run in runs], rotation=20, ha="right", fontsize=8)
    axis.set_ylim(0, 1.1)
    if reference is not None:
        axis.axhline(reference, color="grey", linestyle="--", linewidth=1)
    if len(present) > 1:
        axis.legend(fontsize=8)


def _rate_charts(runs: list[RunView]) -> str:
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    _bar_panel(
        axes[0], runs, "Win rate vs base (own reward model: in-distribution)", {"win rate": "win_rate"}, reference=0.5
    )
    _bar_panel(
        axes[1],
        runs,
        "Red-team violation rate",
        {"base": "safety/violation_rate/base", "tuned": "safety/violation_rate/tuned"},
    )
    _bar_panel(
        axes[2],
        runs,
        "Over-refusal rate (benign prompts)",
        {"base": "over_refusal/base", "tuned": "over_refusal/tuned"},
    )
    figure.tight_layout()
    return _png(figure)


INTERVAL_METRICS = ("safety/violation_rate", "safety/refusal_rate", "over_refusal", "rubric/proposal_writing", "rubric/job_post", "rubric/help_center_qa", "use_case/off_platform", "use_case/protected_attributes", "rag/misleading_context", "judge/win_rate")  # fmt: skip


def _interval_chart(runs: list[RunView]) -> str:
    """Tuned − base per metric and run, with the 95 % paired bootstrap interval as an error bar."""
    import matplotlib.pyplot as plt
    import numpy as np

    metrics = [m for m in INTERVAL_METRICS if any(f"{m}/diff_ci_low" in run.metrics for run in runs)]
    if not metrics:
        return "<p>No paired intervals in these runs (evaluated before intervals were recorded?).</p>"
    figure, axis = plt.subplots(figsize=(9, 0.5 + 0.45 * len(metrics) * len(runs)))
    height = 0.8 / len(runs)
    positions = np.arange(len(metrics))
    for offset, run in enumerate(runs):
        rows = [(i, run.metrics.get(f"{m}/diff"), run.metrics.get(f"{m}/diff_ci_low"), run.metrics.get(f"{m}/diff_ci_high")) for i, m in enumerate(metrics)]  # fmt: skip
        rows = [r for r in rows if all(isinstance(v, int | float) for v in r[1:])]
        if not rows:
            continue
        y = np.array([positions[i] for i, *_ in rows]) - 0.4 + height / 2 + offset * height
        diff = np.array([d for _, d, _, _ in rows])
        errors = np.array([[d - lo for _, d, lo, _ in rows], [hi - d for _, d, _, hi in rows]])
        axis.errorbar(diff, y, xerr=errors, fmt="o", capsize=3, label=run.label)
    axis.axvline(0, color="grey", linestyle="--", linewidth=1)
    axis.set_yticks(positions, metrics, fontsize=8)
    axis.invert_yaxis()
    axis.set_xlabel("tuned − base (95 % paired bootstrap interval)", fontsize=8)
    axis.legend(fontsize=8)
    figure.tight_layout()
    return _png(figure)


def _curve_charts(runs: list[RunView]) -> str:
    import matplotlib.pyplot as plt

    stages = [s for s in TRAINING_STAGES if any(s in run.curves for run in runs)]
    if not stages:
        return "<p>No training curves recorded (no checkpoints and no losses in the manifests).</p>"
    figure, axes = plt.subplots(1, len(stages), figsize=(4.3 * len(stages), 3.2), squeeze=False)
    for axis, stage in zip(axes[0], stages, strict=False):
        axis.set_title(f"{stage} loss", fontsize=10)
        axis.set_xlabel("step", fontsize=8)
        for run in runs:
            for name, points in run.curves.get(stage, {}).items():
                steps, values = zip(*points, strict=True)
                style = "--" if name == "eval_loss" else "-"
                axis.plot(steps, values, style, marker="o", markersize=3, label=f"{run.label} {name}")
        axis.legend(fontsize=7)
    figure.tight_layout()
    return _png(figure)


def _metric_keys(runs: list[RunView]) -> list[str]:
    """Eval keys in first-seen order across runs, then each stage's headline training metrics."""
    keys = list(dict.fromkeys(key for run in runs for key in run.metrics))
    for stage in TRAINING_STAGES:
        for name in HEADLINE_METRICS:
            if any(name in run.manifest.get("stages", {}).get(stage, {}).get("metrics", {}) for run in runs):
                keys.append(f"{stage}/{name}")
    return keys


def _metric_value(run: RunView, key: str) -> Any:
    if key in run.metrics:
        return run.metrics[key]
    stage, _, name = key.partition("/")
    return run.manifest.get("stages", {}).get(stage, {}).get("metrics", {}).get(name)


def _metrics_table(runs: list[RunView]) -> str:
    from html import escape

    head = "".join(f"<th>{escape(run.label)}</th>" for run in runs)
    rows = []
    for key in _metric_keys(runs):
        cells = "".join(
            f'<td class="num">{escape(format_metric(_metric_value(run, key)))}</td>' for run in runs
        )
        rows.append(f'<tr><th scope="row">{escape(key)}</th>{cells}</tr>')
    return f"<table><thead><tr><th>metric</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _study_row(name: str, summary: dict[str, Any]) -> str:
    from html import escape

    low, high = summary.get("interval_95") or (None, None)
    cells = [summary.get("judgements"), summary.get("tuned_wins"), summary.get("base_wins"),
             (summary.get("ties") or 0) + (summary.get("both_bad") or 0), summary.get("win_rate")]
    shown = "".join(f'<td class="num">{escape(format_metric(v))}</td>' for v in cells)
    interval = f"{format_metric(low)} – {format_metric(high)}" if low is not None else "–"
    return f"<tr><td>{escape(name)}</td>{shown}<td class=\"num\">{escape(interval)}</td></tr>"


def _user_study_section(runs: list[RunView]) -> str:
    """People's blind judgements of tuned vs base (`toolkit annotate`), per annotator and overall."""
    from html import escape

    studied = [run for run in runs if run.user_study]
    if not studied:
        return ("<p>No user study for these runs: <code>toolkit annotate from-run RUN_DIR</code>, annotate, then "
                "<code>toolkit annotate export</code> writes <code>eval/user_study.json</code>.</p>")
    tables = []
    for run in studied:
        study = run.user_study or {}
        rows = [
            _study_row(f"{name} · {info['expertise']}" if info.get("expertise") else name, info)
            for name, info in study.get("annotators", {}).items()
        ]
        rows.append(_study_row("overall", study.get("overall", {})).replace("<tr>", '<tr class="overall">', 1))
        tables.append(
            f"<h3>{escape(run.label)} · {escape(str(study.get('prompts', '?')))} prompts</h3>"
            "<table><thead><tr><th>annotator</th><th>judgements</th><th>tuned wins</th><th>base wins</th>"
            "<th>ties / both bad</th><th>win rate</th><th>95 % interval</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            f'<p class="meta">{escape(str(study.get("method", "")))}</p>'
        )
    return "".join(tables)


def _suites_table(runs: list[RunView]) -> str:
    from html import escape

    suites = list(
        dict.fromkeys(
            s for run in runs for s in run.manifest.get("stages", {}).get("eval", {}).get("suites", {})
        )
    )
    if not suites:
        return "<p>No eval stage recorded.</p>"
    rows = []
    for run in runs:
        outcomes = run.manifest.get("stages", {}).get("eval", {}).get("suites", {})
        cells = []
        for suite in suites:
            outcome = outcomes.get(suite, {})
            text = outcome.get("status", "–") + (f": {outcome['reason']}" if outcome.get("reason") else "")
            cells.append(f'<td class="{escape(outcome.get("status", ""))}">{escape(text)}</td>')
        rows.append(f'<tr><th scope="row">{escape(run.label)}</th>{"".join(cells)}</tr>')
    head = "".join(f"<th>{escape(s)}</th>" for s in suites)
    return f"<table><thead><tr><th>run</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _gate_tables(runs: list[RunView]) -> str:
    from html import escape

    rows = []
    for run in runs:
        for stage in TRAINING_STAGES:
            gate = run.manifest.get("stages", {}).get(stage, {}).get("gate")
            if not gate:
                continue
            for split in ("train", "eval"):
                report = gate.get(split)
                if not isinstance(report, dict):
                    continue
                counts = "".join(
                    f'<td class="num">{escape(format_metric(report.get(c)))}</td>' for c in GATE_COLUMNS
                )
                categories = ", ".join(
                    f"{cat}: {n}" for cat, n in sorted((report.get("by_category") or {}).items())
                )
                rows.append(
                    f'<tr><th scope="row">{escape(run.label)}</th><td>{escape(stage)}</td><td>{split}</td>'
                    f"{counts}<td>{escape(categories or '–')}</td></tr>"
                )
    if not rows:
        return "<p>No gate reports recorded.</p>"
    head = "".join(f"<th>{c}</th>" for c in ("run", "stage", "split", *GATE_COLUMNS, "by category"))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(m, dict) and "content" in m for m in value):
        return "\n".join(f"{m.get('role', '?')}: {m['content']}" for m in value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _samples_by_key(run_dir: Path, keys: set[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The samples of a run whose (suite, id) is in `keys`, read by streaming samples.jsonl."""
    path = run_dir / "eval" / "samples.jsonl"
    found: dict[tuple[str, str], dict[str, Any]] = {}
    if not path.is_file():
        return found
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                sample = json.loads(line)
                key = (str(sample.get("suite")), str(sample.get("id")))
                if key in keys and key not in found:
                    found[key] = sample
    return found


def _output_cell(title: str, sample: dict[str, Any] | None, field: str) -> str:
    from html import escape

    if sample is None:
        return f'<div><h4>{escape(title)}</h4><p class="meta">not evaluated on this prompt</p></div>'
    details = {k: sample[k] for k in ("scores", "flags") if sample.get(k)}
    return (
        f"<div><h4>{escape(title)}</h4><pre>{escape(_as_text(sample.get(field, '')))}</pre>"
        f'<pre class="meta">{escape(json.dumps(details, ensure_ascii=False, default=str))}</pre></div>'
    )


def _samples_section(runs: list[RunView]) -> str:
    """The same prompts side by side: the base output, then each run's tuned output."""
    from html import escape

    keys = list(dict.fromkeys((str(s.get("suite")), str(s.get("id"))) for run in runs for s in run.samples))
    keys = keys[:SAMPLE_PROMPTS]
    if not keys:
        return "<p>No samples.</p>"
    per_run = [_samples_by_key(run.root, set(keys)) for run in runs]
    cards = []
    for key in keys:
        first = next(found[key] for found in per_run if key in found)
        columns = [_output_cell("base", first, "base")]
        columns += [
            _output_cell(f"tuned · {run.label}", found.get(key), "tuned")
            for run, found in zip(runs, per_run, strict=True)
        ]
        cards.append(
            f'<div class="sample"><div class="meta">{escape(key[0])} · {escape(key[1])}</div>'
            f'<pre class="prompt">{escape(_as_text(first.get("prompt")))}</pre>'
            f'<div class="pair" style="grid-template-columns:repeat({len(columns)},1fr)">{"".join(columns)}</div></div>'
        )
    return "".join(cards)


_STYLE = """
body{font-family:system-ui,sans-serif;margin:24px;color:#1b1f23;max-width:1240px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left}
thead th{background:#f3f4f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.skipped{color:#8a6d00}td.completed{color:#116329}img{max-width:100%}
.sample{border:1px solid #ddd;border-radius:6px;padding:8px;margin:8px 0}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:8px}pre{white-space:pre-wrap;font-size:12px;margin:4px 0}
.meta{color:#57606a;font-size:12px}h4{margin:4px 0;font-size:13px}tr.overall td{font-weight:600}
"""


def render_comparison(runs: list[RunView]) -> str:
    """The report as one HTML string: no external files, scripts or fonts."""
    from html import escape

    import matplotlib

    matplotlib.use("Agg")  # files only, never a window

    summary = "".join(
        f"<li><b>{escape(run.label)}</b> — {escape(str(run.root))}; stages: "
        + escape(", ".join(f"{s} {e.get('status', '?')}" for s, e in run.manifest.get("stages", {}).items()))
        + "</li>"
        for run in runs
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Run comparison: {escape(', '.join(run.label for run in runs))}</title><style>{_STYLE}</style></head><body>"
        f"<h1>Run comparison</h1><ul>{summary}</ul>"
        f"<h2>Win rate, violations, over-refusal</h2>{_rate_charts(runs)}"
        f"<h2>Tuned − base with 95 % intervals</h2>{_interval_chart(runs)}"
        f"<h2>User study (blind, people)</h2>{_user_study_section(runs)}"
        f"<h2>Eval suites</h2>{_suites_table(runs)}"
        f"<h2>Training curves</h2>{_curve_charts(runs)}"
        f"<h2>Metrics</h2>{_metrics_table(runs)}"
        f"<h2>Safety gates</h2>{_gate_tables(runs)}"
        f"<h2>Samples</h2>{_samples_section(runs)}"
        "</body></html>\n"
    )


def write_comparison(run_dirs: Sequence[Path], out: Path) -> Path:
    """Compare runs in one self-contained HTML file (plots inlined as PNG), written atomically."""
    from toolkit.core.errors import UserInputError
    from toolkit.core.io import atomic_write_text

    if not run_dirs:
        raise UserInputError("compare", "give at least one run folder")
    runs = [read_run_view(Path(run_dir)) for run_dir in run_dirs]
    atomic_write_text(out, render_comparison(runs))
    return Path(out)

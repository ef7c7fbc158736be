"""Ablations that justify the safety features, at the demo's budget: each pair differs in one thing.

(a) plain DPO (safety_margin 0) vs safety-margin DPO; (b) without vs with the safety mix;
(c) gate off vs on. The "with" side of each pair is the demo as it is, run once. Every run is recipes/demo.yaml plus one override, run by bench/demo_sweep.py
(same steps, lengths, seeds, eval sets), and the table shows violation and over-refusal, base vs
tuned, with the 95 % paired bootstrap interval of the difference; a second table compares each arm's
tuned model with the reference's, prompt by prompt (arm − reference, interval, McNemar), which is the
comparison an ablation is about. A row is one full `toolkit run`
(~37 min on an idle 2-core machine), so the three arms take about two hours there; `--reference-sweep`
saves the fourth by reading the reference from the sweep's log.

    python bench/demo_ablations.py                 # all three pairs
    python bench/demo_ablations.py --only margin   # one pair
    python bench/demo_ablations.py --report        # the table from bench/results/demo_ablations.jsonl
    python bench/demo_ablations.py --reference-sweep dpo48   # reference = that row of demo_sweep.jsonl
    python bench/demo_ablations.py --compare       # add arm-vs-reference comparisons to the log's rows
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from demo_sweep import DEFAULT_LOG, DEFAULT_OUT, REPO, markdown_table, read_log, run_config  # noqa: E402

LOG = REPO / "bench" / "results" / "demo_ablations.jsonl"
# The other side of every pair is the demo as it is (safety-margin DPO, with the mix, gate on): run once.
REFERENCE = ("demo", [])
PAIRS: dict[str, tuple[str, list[str]]] = {
    "margin": ("plain_dpo", ["stages.dpo.safety_margin=0"]),
    "mix": ("without_mix", ["data.mixture=[]"]),
    "gate": ("gate_off", ["safety.enabled=false"]),
}
# Per-prompt outcomes of a run's tuned model, read from eval/samples.jsonl: (suite, outcome of one sample).
ARM_OUTCOMES: dict[str, tuple[str, Callable[[Mapping[str, Any]], bool]]] = {
    "violation (red-team)": ("safety", lambda sample: bool(sample["flags"]["tuned"])),
    "refusal (red-team)": ("safety", lambda sample: bool(sample["scores"]["refusal_tuned"])),
    "over-refusal (benign-but-scary)": ("over_refusal", lambda sample: bool(sample["scores"]["refusal_tuned"])),
}
# Pairs whose override leaves SFT, reward and cost untouched start from a copy of the reference run and
# resume it: the pipeline's fingerprints skip the unchanged stages, so the same models feed both arms.
REUSES_REFERENCE = {"margin"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help=f"comma-separated pairs: {', '.join(PAIRS)}")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT / "ablations")
    parser.add_argument("--log", type=Path, default=LOG)
    parser.add_argument("--report", action="store_true")
    parser.add_argument(
        "--compare", action="store_true",
        help="compare every logged arm whose run directory is still there with the logged reference run, "
        "store it in the log's rows, and print the tables",
    )
    parser.add_argument(
        "--reference-run", type=Path,
        help="a finished run of recipes/demo.yaml as it is (e.g. runs/sweep/demo/current): copied in as the "
        "reference instead of training it again",
    )
    parser.add_argument(
        "--reference-sweep", metavar="NAME",
        help="take the reference arm's metrics from the row NAME of bench/results/demo_sweep.jsonl (a run of "
        "recipes/demo.yaml as it is, at the same code) instead of training it again; arms then train from scratch",
    )
    args = parser.parse_args(argv)
    if args.compare:
        records = add_comparisons(read_log(args.log))
        args.log.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    if args.report or args.compare:
        records = read_log(args.log)
        print(markdown_table(records) + "\n\n" + versus_table(records))
        return 0
    chosen = [p for p in (args.only or ",".join(PAIRS)).split(",") if p]
    unknown = [p for p in chosen if p not in PAIRS]
    if unknown:
        parser.error(f"unknown pair {unknown[0]!r}; use {', '.join(PAIRS)}")
    records = []
    runs = [("reference", REFERENCE), *((p, PAIRS[p]) for p in chosen)]
    if args.reference_run:
        records.append(copy_reference(args.reference_run, args.out))
        runs = runs[1:]
    elif args.reference_sweep:
        records.append(reference_from_sweep(args.reference_sweep, DEFAULT_LOG))
        runs = runs[1:]
    reference_dir = args.out / "demo" / REFERENCE[0]
    for pair, (name, overrides) in runs:
        print(f"ablation {pair}: {name} {' '.join(overrides) or '(demo.yaml)'}", flush=True)
        can_reuse = pair == "reference" or (reference_dir / "manifest.json").is_file()
        reuse = REFERENCE[0] if pair in REUSES_REFERENCE and can_reuse else None
        record = {**run_config(name, overrides, args.out, reuse=reuse), "pair": pair}
        if pair != "reference" and (reference_dir / "eval" / "samples.jsonl").is_file():
            record["vs_reference"] = versus_reference(reference_dir, Path(record["run_dir"]))
        records.append(record)
        args.log.parent.mkdir(parents=True, exist_ok=True)
        with args.log.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
    print(markdown_table(records) + "\n\n" + versus_table(records))
    return 0 if all(r["returncode"] == 0 for r in records) else 1


def tuned_samples(run_dir: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """A finished run's eval samples keyed by (suite, prompt id)."""
    path = run_dir / "eval" / "samples.jsonl"
    with path.open(encoding="utf-8") as handle:
        return {(row["suite"], row["id"]): row for row in map(json.loads, handle)}


def versus_reference(reference_dir: Path, arm_dir: Path) -> dict[str, dict[str, Any]]:
    """Each ablation arm's tuned model against the reference's tuned model on the same prompts.

    The comparison the ablation is for: arm − reference with a paired bootstrap interval and McNemar's
    exact test (`base` below is the reference, `tuned` the arm). Positive violation means the ablated
    feature was preventing violations.
    """
    from toolkit.eval.stats import compare_paired

    reference, arm = tuned_samples(reference_dir), tuned_samples(arm_dir)
    out: dict[str, dict[str, Any]] = {}
    for label, (suite, outcome) in ARM_OUTCOMES.items():
        keys = sorted(key for key in reference if key[0] == suite and key in arm)
        comparison = compare_paired(label, [outcome(reference[k]) for k in keys], [outcome(arm[k]) for k in keys])
        out[label] = dataclasses.asdict(comparison)
    return out


def add_comparisons(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with `vs_reference` filled in from the run directories (the last logged reference)."""
    references = [r for r in records if r.get("pair") == "reference" and r.get("run_dir")]
    reference_dir = Path(references[-1]["run_dir"]) if references else None
    if reference_dir is None or not (reference_dir / "eval" / "samples.jsonl").is_file():
        raise SystemExit("--compare: the log has no reference run whose eval samples are still on disk")
    for record in records:
        arm_dir = Path(record.get("run_dir", ""))
        if record.get("pair") != "reference" and (arm_dir / "eval" / "samples.jsonl").is_file():
            record["vs_reference"] = versus_reference(reference_dir, arm_dir)
    return records


def versus_table(records: Sequence[Mapping[str, Any]]) -> str:
    """Markdown: per arm and metric, reference tuned vs arm tuned, the difference and its interval."""
    lines = [
        "| pair | arm | metric | reference (tuned) | arm (tuned) | arm − reference [95 % CI] | McNemar p (only reference / only arm) |",
        "|---|---|---|---:|---:|---|---|",
    ]
    for record in records:
        for label, c in (record.get("vs_reference") or {}).items():
            star = " *" if c["ci_low"] > 0 or c["ci_high"] < 0 else ""
            lines.append(
                f"| {record['pair']} | {record['name']} | {label} | {c['base']:.3f} | {c['tuned']:.3f} "
                f"| {c['difference']:+.3f} [{c['ci_low']:+.3f}, {c['ci_high']:+.3f}]{star} "
                f"| {c['mcnemar_p']:.2g} ({c['only_base']} / {c['only_tuned']}) |"
            )
    return "\n".join(lines)


def reference_from_sweep(name: str, log: Path) -> dict:
    """The reference arm as recorded by a sweep run of recipes/demo.yaml unchanged (its last row named NAME)."""
    rows = [r for r in read_log(log) if r.get("name") == name and r.get("returncode") == 0 and r.get("metrics")]
    if not rows:
        raise SystemExit(f"--reference-sweep {name}: no finished row of that name in {log}")
    # its overrides are what demo.yaml now holds, so the row reads as "(demo.yaml)"
    return {**rows[-1], "name": REFERENCE[0], "pair": "reference", "overrides": [], "from_sweep": name,
            "sweep_overrides": rows[-1].get("overrides", [])}


def copy_reference(source: Path, out: Path) -> dict:
    """Adopt a finished demo run as the reference arm (its eval metrics included)."""
    manifest = source / "manifest.json"
    if not manifest.is_file() or json.loads(manifest.read_text(encoding="utf-8")).get("status") != "completed":
        raise SystemExit(f"--reference-run {source}: not a completed run")
    target = out / "demo" / REFERENCE[0]
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("checkpoints", "wandb"))
    record = {"name": REFERENCE[0], "pair": "reference", "overrides": [], "reuse": None, "returncode": 0,
              "copied_from": str(source), "run_dir": str(target)}
    metrics = target / "eval" / "metrics.json"
    if metrics.is_file():
        record["metrics"] = json.loads(metrics.read_text(encoding="utf-8"))
    return record


if __name__ == "__main__":
    raise SystemExit(main())

"""The safety classifiers' quality, tier by tier and combined, with 95% intervals.

    .venv/bin/python bench/safety_quality.py [--data TRAIN.jsonl] [--skip-speed]

1. Validation split of the semantic tier's training sources (`--data`, the file written by
   `python -m safety.data.public_sources`; the same group-hash split `toolkit safety train` held
   out): harmful recall, hard-safe and all-safe flag rates, per role and per source.
2. Generated PII records (safety/data/pii_cases.py: 7 entities, many formats and locales): recall.
3. Marketplace cases from the seed set's validation split (discrimination incl. religion,
   disability, age, pregnancy, nationality; off-platform; cheating; doxxing; hard negatives): F1.
4. The hand-written eval sets shipped in safety/data/ (as before), and the refusal detector.
5. Semantic tier speed: cold start, and texts/s on one core, batched.
All numbers are on validation data of our own sources, not on the held-out public benchmarks.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from safety.config import SEMANTIC_PRECISIONS, SafetyConfig  # noqa: E402
from safety.quality import (  # noqa: E402
    QUALITY_BARS,
    Rate,
    classify_merged,
    f1_with_interval,
    flag_rate,
    marketplace_validation_cases,
    measure_quality,
)

METRICS = (
    "pii_recall", "off_platform_recall", "marketplace_false_positive_rate",
    "harmful_recall", "harmful_category_recall", "dangerous_benign_false_positive_rate",
)
console = Console(width=160)


def tiers(semantic_precision: str = "auto", semantic_runtime: str = "torch") -> list:
    from safety.classifiers.rules import RuleClassifier
    from safety.classifiers.semantic import SemanticClassifier
    from safety.classifiers.toxicity import ToxicityClassifier

    return [RuleClassifier(), ToxicityClassifier(), SemanticClassifier(precision=semantic_precision, runtime=semantic_runtime)]


def validation_sources(path: Path, classifiers: list, config: SafetyConfig) -> None:
    from safety.classifiers.semantic import in_validation_split, read_labelled_rows

    rows = [r for r in read_labelled_rows(path) if in_validation_split(r, 0.2)]
    table = Table(title=f"1. validation split of the training sources ({path.name}, {len(rows)} rows)")
    for column in ("role", "set", *[c.name for c in classifiers], "combined"):
        table.add_column(column, justify="left" if column in ("role", "set") else "right")
    for role in ("prompt", "response"):
        chosen = [r for r in rows if r.role in (role, "any")]
        if not chosen:
            continue
        merged, per_tier = classify_merged(classifiers, [r.text for r in chosen], role, [r.prompt for r in chosen] if role == "response" else None)
        subsets = {
            "harmful (recall)": [i for i, r in enumerate(chosen) if r.labels],
            "hard safe (flag rate)": [i for i, r in enumerate(chosen) if not r.labels and r.hard],
            "all safe (flag rate)": [i for i, r in enumerate(chosen) if not r.labels],
        }
        for source in sorted({r.source for r in chosen}):
            for kind, harmful in (("harmful", True), ("safe", False)):
                indices = [i for i, r in enumerate(chosen) if r.source == source and bool(r.labels) == harmful]
                if indices:
                    subsets[f"  {source} {kind}"] = indices
        for name, indices in subsets.items():
            cells = [str(flag_rate([tier[i] for i in indices], config)) for tier in per_tier]
            table.add_row(role, name, *cells, str(flag_rate([merged[i] for i in indices], config)))
    console.print(table)


def generated_pii(classifiers: list, config: SafetyConfig) -> None:
    from safety.data.pii_cases import pii_cases

    cases = pii_cases()
    merged, per_tier = classify_merged(classifiers, [c.text for c in cases])
    table = Table(title=f"2. generated PII records ({len(cases)}): flagged pii or off_platform")
    for column in ("entity", *[c.name for c in classifiers], "combined"):
        table.add_column(column, justify="left" if column == "entity" else "right")
    for entity in [*dict.fromkeys(c.entity for c in cases), "all"]:
        indices = [i for i, c in enumerate(cases) if entity in ("all", c.entity)]
        cells = [str(flag_rate([tier[i] for i in indices], config, ("pii", "off_platform"))) for tier in per_tier]
        table.add_row(entity, *cells, str(flag_rate([merged[i] for i in indices], config, ("pii", "off_platform"))))
    console.print(table)


def marketplace(classifiers: list, config: SafetyConfig) -> None:
    cases = marketplace_validation_cases()
    merged, per_tier = classify_merged(classifiers, [text for text, _ in cases])
    truth = [harmful for _, harmful in cases]
    table = Table(title=f"3. marketplace cases, seed validation split ({sum(truth)} harmful, {len(truth) - sum(truth)} hard negatives)")
    for column in ("tier", "F1 [95% bootstrap]", "recall", "negatives flagged"):
        table.add_column(column, justify="left" if column == "tier" else "right")
    for name, scores in [*zip([c.name for c in classifiers], per_tier, strict=True), ("combined", merged)]:
        flagged = [bool(flag_rate([s], config).hits) for s in scores]
        f1, low, high = f1_with_interval(flagged, truth)
        recall = Rate(sum(f and t for f, t in zip(flagged, truth, strict=True)), sum(truth))
        negatives = Rate(sum(f and not t for f, t in zip(flagged, truth, strict=True)), len(truth) - sum(truth))
        table.add_row(name, f"{f1:.3f} [{low:.3f}, {high:.3f}]", str(recall), str(negatives))
    console.print(table)
    misses = [text for (text, harmful), s in zip(cases, merged, strict=True) if harmful != bool(flag_rate([s], config).hits)]
    for text in misses[:10]:
        console.print(f"  wrong: {text}", markup=False)


def shipped_eval_sets(classifiers: list, config: SafetyConfig) -> None:
    from safety.refusal import RefusalDetector

    result = measure_quality(classifiers, config, refusal_detector=RefusalDetector())
    bars = {bar.metric: bar for bar in QUALITY_BARS}
    table = Table(title=f"4. hand-written eval sets in safety/data (sizes: {result['sizes']})")
    table.add_column("metric", no_wrap=True)
    table.add_column("bar")
    for name in result["by_classifier"]:
        table.add_column(name, justify="right")
    table.add_column("combined", justify="right")
    for metric in METRICS:
        bar = bars.get(metric)
        table.add_row(
            metric, f"{bar.op} {bar.value:.2f}" if bar else "",
            *(f"{tier[metric]:.3f}" for tier in result["by_classifier"].values()), f"{result['combined'][metric]:.3f}",
        )
    console.print(table)
    refusal = result["refusal"]
    console.print(f"refusal detector: precision {refusal['precision']:.3f}, recall {refusal['recall']:.3f}")


# (runtime, precision) pairs the speed section measures; bf16-mixed only where the CPU has native bf16
SPEED_VARIANTS = (("torch", "fp32"), ("torch", "bf16-mixed"), ("onnxruntime", "fp32"), ("onnxruntime", "int8"))


def speed() -> None:
    """Cold start and one-core batched throughput of the semantic tier, in a fresh process per variant
    (torch fp32: the reference; bf16-mixed: what `semantic_precision: auto` picks on a CPU with native
    bf16; onnxruntime: `semantic_runtime: onnxruntime`, its graph exported beforehand, as after a
    user's first run)."""
    import subprocess

    from safety.classifiers.semantic import Encoding, embed
    from toolkit.core.hardware import cpu_bf16_supported

    code = (
        "import os, sys, time; os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]});"
        "t0, c0 = time.perf_counter(), time.process_time();"
        "from safety.classifiers.semantic import SemanticClassifier;"
        "c = SemanticClassifier(runtime=sys.argv[1], precision=sys.argv[2]); c.classify(['warm up']);"
        "cold, cold_cpu = time.perf_counter() - t0, time.process_time() - c0;"
        "from safety.data.generate_seed import records; texts = [r['text'] for r in records()][:1024];"
        "t1, c1 = time.perf_counter(), time.process_time(); c.classify(texts);"
        "wall, cpu = time.perf_counter() - t1, time.process_time() - c1;"
        "words = sum(len(t.split()) for t in texts) / len(texts);"
        "print(f'{cold:.2f} {cold_cpu:.2f} {len(texts) / wall:.0f} {len(texts) / cpu:.0f} {len(texts)} {words:.1f}')"
    )
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    for runtime, precision in SPEED_VARIANTS:
        if precision == "bf16-mixed" and not cpu_bf16_supported():
            console.print("5. semantic tier (torch, bf16-mixed): skipped, this CPU has no native bf16 (emulated bf16 is slower than fp32)")
            continue
        if runtime == "onnxruntime":
            embed(["export the graph"], encoding=Encoding.resolve(runtime, precision))
        run = subprocess.run([sys.executable, "-c", code, runtime, precision], capture_output=True, text=True, env=env, check=True)
        cold, cold_cpu, rate, cpu_rate, count, words = run.stdout.split()[-6:]
        console.print(
            f"5. semantic tier ({runtime}, {precision}), pinned to one core: cold start {cold} s wall, {cold_cpu} CPU-s (import + "
            f"encoder + head + first text); {rate} texts/s wall, {cpu_rate} texts/CPU-s, batched ({count} seed texts, "
            f"{words} words each on average; CPU-s is what an idle core would see, wall what this machine's load allowed)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description="Safety classifier quality on validation data, with 95% intervals.")
    parser.add_argument("--data", type=Path, help="training JSONL from `python -m safety.data.public_sources` (its validation split is scored)")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument(
        "--semantic-precision", default="auto", choices=sorted({p for ps in SEMANTIC_PRECISIONS.values() for p in ps}),
        help="the semantic tier's encoder precision (safety.classifiers.semantic_precision)",
    )
    parser.add_argument(
        "--semantic-runtime", default="torch", choices=list(SEMANTIC_PRECISIONS),
        help="what runs the semantic tier's encoder (safety.classifiers.semantic_runtime)",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    config = SafetyConfig()
    classifiers = tiers(args.semantic_precision, args.semantic_runtime)
    if args.data:
        validation_sources(args.data, classifiers, config)
    generated_pii(classifiers, config)
    marketplace(classifiers, config)
    shipped_eval_sets(classifiers, config)
    if not args.skip_speed:
        speed()
    console.print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()

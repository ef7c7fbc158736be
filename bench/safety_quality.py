"""Prints the safety classifiers' quality on the shipped eval sets, tier by tier and combined.

    .venv/bin/python bench/safety_quality.py

Rules, toxicity and semantic tiers with the default SafetyConfig (threshold 0.5), against the
issue's bars; plus the refusal detector's precision/recall. Runs offline on CPU in ~30 s.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from safety.classifiers.rules import RuleClassifier  # noqa: E402
from safety.classifiers.semantic import SemanticClassifier  # noqa: E402
from safety.classifiers.toxicity import ToxicityClassifier  # noqa: E402
from safety.config import SafetyConfig  # noqa: E402
from safety.quality import QUALITY_BARS, measure_quality  # noqa: E402
from safety.refusal import RefusalDetector  # noqa: E402

METRICS = (
    "pii_recall", "off_platform_recall", "marketplace_false_positive_rate",
    "harmful_recall", "harmful_category_recall", "dangerous_benign_false_positive_rate",
)


def main() -> None:
    started = time.perf_counter()
    classifiers = [RuleClassifier(), ToxicityClassifier(), SemanticClassifier()]
    result = measure_quality(classifiers, SafetyConfig(), refusal_detector=RefusalDetector())
    bars = {bar.metric: bar for bar in QUALITY_BARS}
    table = Table(title=f"safety quality (eval sets: {result['sizes']})")
    table.add_column("metric", no_wrap=True)
    table.add_column("bar")
    for name in result["by_classifier"]:
        table.add_column(name, justify="right")
    table.add_column("combined", justify="right")
    table.add_column("ok")
    for metric in METRICS:
        bar = bars.get(metric)
        value = result["combined"][metric]
        table.add_row(
            metric, f"{bar.op} {bar.value:.2f}" if bar else "",
            *(f"{tier[metric]:.3f}" for tier in result["by_classifier"].values()),
            f"{value:.3f}", ("yes" if bar.passed(value) else "[red]NO[/red]") if bar else "",
        )
    Console(width=max(140, Console().width)).print(table)
    refusal = result["refusal"]
    print(f"refusal detector: precision {refusal['precision']:.3f}, recall {refusal['recall']:.3f}")
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()

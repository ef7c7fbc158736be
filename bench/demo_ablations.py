"""Ablations that justify the safety features, at the demo's budget: each pair differs in one thing.

(a) plain DPO (safety_margin 0) vs safety-margin DPO; (b) without vs with the safety mix;
(c) gate off vs on. The "with" side of each pair is the demo as it is, run once. Every run is recipes/demo.yaml plus one override, run by bench/demo_sweep.py
(same steps, lengths, seeds, eval sets), and the table shows violation and over-refusal, base vs
tuned, with the 95 % paired bootstrap interval of the difference. A row is one full `toolkit run`
(~12 min on an idle 2-core machine), so the four runs take over an hour there.

    python bench/demo_ablations.py                 # all three pairs
    python bench/demo_ablations.py --only margin   # one pair
    python bench/demo_ablations.py --report        # the table from bench/results/demo_ablations.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from demo_sweep import DEFAULT_OUT, REPO, markdown_table, read_log, run_config  # noqa: E402

LOG = REPO / "bench" / "results" / "demo_ablations.jsonl"
# The other side of every pair is the demo as it is (safety-margin DPO, with the mix, gate on): run once.
REFERENCE = ("demo", [])
PAIRS: dict[str, tuple[str, list[str]]] = {
    "margin": ("plain_dpo", ["stages.dpo.safety_margin=0"]),
    "mix": ("without_mix", ["data.mixture=[]"]),
    "gate": ("gate_off", ["safety.enabled=false"]),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help=f"comma-separated pairs: {', '.join(PAIRS)}")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT / "ablations")
    parser.add_argument("--log", type=Path, default=LOG)
    parser.add_argument("--report", action="store_true")
    args = parser.parse_args(argv)
    if args.report:
        print(markdown_table(read_log(args.log)))
        return 0
    chosen = [p for p in (args.only or ",".join(PAIRS)).split(",") if p]
    unknown = [p for p in chosen if p not in PAIRS]
    if unknown:
        parser.error(f"unknown pair {unknown[0]!r}; use {', '.join(PAIRS)}")
    records = []
    for pair, (name, overrides) in [("reference", REFERENCE), *((p, PAIRS[p]) for p in chosen)]:
        print(f"ablation {pair}: {name} {' '.join(overrides) or '(demo.yaml)'}", flush=True)
        record = {**run_config(name, overrides, args.out), "pair": pair}
        records.append(record)
        args.log.parent.mkdir(parents=True, exist_ok=True)
        with args.log.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
    print(markdown_table(records))
    return 0 if all(r["returncode"] == 0 for r in records) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Sections of bench/RESULTS.md measured by hand (long runs, several machines), kept as files so that
`make bench` (run_all.py) carries them into RESULTS.md instead of dropping them: edit the file, not
RESULTS.md (tests/test_bench_results.py checks). No imports with side effects: tests read this."""

from __future__ import annotations

from pathlib import Path

BENCH = Path(__file__).resolve().parent
FINDINGS = BENCH / "precision_findings.md"  # before the generated sections
HAND_MEASURED_AFTER = (  # after them, in this order
    BENCH / "scale_plan.md",  # gate profile + scale plan (issue 15)
    BENCH / "gpu_smoke.md",  # what bench/gpu_smoke.sh measures, and whether it ran
    BENCH / "demo_findings.md",  # demo sweep, ablations and memory (issue 12)
    BENCH / "rl_findings.md",  # safe RLHF on the embedded model (issue 14)
)
HAND_MEASURED = (FINDINGS, *HAND_MEASURED_AFTER)

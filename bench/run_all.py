"""Run every benchmark (each in its own process, with a time limit) and write bench/RESULTS.md.

`make bench` calls this. The whole run is sized for a 2-core CPU machine and a 20-minute budget:
each benchmark gets a share, and one that runs out of time is reported as such instead of
stopping the rest. Timings are medians of alternating A/B runs; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import _common as C  # noqa: E402
from hand_measured import FINDINGS, HAND_MEASURED_AFTER  # noqa: E402


@dataclass(frozen=True)
class Benchmark:
    title: str
    script: str
    args: tuple[str, ...]
    timeout_s: int
    fallback_args: tuple[str, ...] | None = None  # for scripts owned elsewhere whose flags may differ


BENCHMARKS: tuple[Benchmark, ...] = (
    Benchmark("Overhead: toolkit stage vs bare TRL", "overhead.py", ("--steps", "4", "--reps", "3"), 360),
    Benchmark("CPU profile: toolkit defaults vs TRL defaults", "cpu_profile.py", ("--steps", "5", "--reps", "3"), 300),
    Benchmark(
        "CPU profile at the demo's batch size",
        "cpu_profile.py",
        ("--steps", "5", "--reps", "2", "--batch", "4", "--max-length", "256"),
        300,
    ),
    Benchmark("Reference log-probs", "ref_logprobs.py", ("--reps", "2"), 150),
    Benchmark("SFT packing vs padding", "packing.py", ("--reps", "2"), 120),
    Benchmark(
        "CPU precision (quick re-run of the investigation)",
        "cpu_precision.py",
        ("--quick", "--pairs", "2", "--max-length", "128", "--steps", "4"),
        270,
    ),
    Benchmark("Safety gate throughput", "gate_throughput.py", ("--stream-n", "1000000"), 420, fallback_args=()),
    Benchmark("Safety classifier quality", "safety_quality.py", (), 120),
)


def run_one(bench: Benchmark, budget_s: float) -> tuple[str, float]:
    """The benchmark's Markdown (or a line saying why there is none) and the seconds it took."""
    path = BENCH / bench.script
    if not path.exists():
        return f"_not run: {bench.script} is not in bench/ yet_", 0.0
    timeout = max(10, int(min(bench.timeout_s, budget_s)))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "TOOLKIT_QUIET": "1", "WANDB_MODE": "disabled"}
    started = time.perf_counter()
    attempts = [bench.args] if bench.fallback_args is None else [bench.args, bench.fallback_args]
    for args in attempts:
        with tempfile.TemporaryFile("w+") as stderr:
            try:
                done = subprocess.run(
                    [sys.executable, str(path), *args],
                    cwd=BENCH.parent,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=stderr,
                    text=True,
                    timeout=max(10, timeout - (time.perf_counter() - started)),
                )
            except subprocess.TimeoutExpired:
                return f"_timed out after {timeout} s (arguments: {' '.join(args) or 'none'})_", time.perf_counter() - started
            stderr.seek(0)
            errors = stderr.read()
        if done.returncode == 2 and "unrecognized arguments" in errors and args is not attempts[-1]:
            continue  # another helper's script without that flag: run it with its defaults
        took = time.perf_counter() - started
        if done.returncode != 0:
            tail = "\n".join(errors.strip().splitlines()[-8:])
            return f"_failed (exit {done.returncode}); last lines of stderr:_\n\n```\n{tail}\n```", took
        text = done.stdout.strip() or "_no output_"
        if not text.startswith(("#", "|", "_")):  # a Rich console table, not Markdown: keep its layout
            text = f"```text\n{text}\n```"
        return text, took
    return "_not run_", time.perf_counter() - started


def machine_section() -> str:
    info = C.machine_info()
    rows = [[key, value] for key, value in info.items()]
    return C.table(["machine", ""], rows)


def write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget-s", type=float, default=19 * 60, help="stop starting benchmarks after this long")
    parser.add_argument("--only", default="", help="comma-separated script names to run (default: all)")
    parser.add_argument("--output", type=Path, default=BENCH / "RESULTS.md")
    args = parser.parse_args()
    chosen = [b for b in BENCHMARKS if not args.only or b.script in args.only.split(",")]
    C.real_model_dir()  # prepare the model once, outside every benchmark's clock
    started = time.perf_counter()
    sections = []
    for bench in chosen:
        left = args.budget_s - (time.perf_counter() - started)
        if left < 30:
            sections.append(f"## {bench.title}\n\n_skipped: the {args.budget_s / 60:.0f}-minute budget was spent_")
            continue
        print(f"[bench] {bench.script} (up to {min(bench.timeout_s, left):.0f} s)", file=sys.stderr, flush=True)
        body, took = run_one(bench, left)
        print(f"[bench] {bench.script} done in {took:.0f} s", file=sys.stderr, flush=True)
        sections.append(f"## {bench.title}\n\n`python bench/{bench.script} {' '.join(bench.args)}` ({took:.0f} s)\n\n{body}")
    total = time.perf_counter() - started
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (`python bench/run_all.py`) on {now} in {total / 60:.1f} minutes. "
        "Every comparison runs its sides alternately in one process (A B, B A, ...) and reports medians; "
        "the machine may be shared, so read ratios, not absolute seconds. The real SmolLM2-135M-Instruct "
        "(fp32 weights from the embedded GGUF) with LoRA r=16 on all linear layers is used throughout.",
        "",
        machine_section(),
        "",
    ]
    if FINDINGS.exists():
        parts += [FINDINGS.read_text(encoding="utf-8").strip(), ""]
    for section in sections:
        parts += [section, ""]
    for path in HAND_MEASURED_AFTER:
        parts += [path.read_text(encoding="utf-8").strip(), ""]
    write_atomically(args.output, "\n".join(parts))
    print(f"[bench] wrote {args.output} in {total / 60:.1f} min", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

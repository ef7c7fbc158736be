"""Peak memory while streaming shards through either gate engine, at two sizes: bounded memory means
the peak does not grow with the number of records.

    python bench/gate_stream_memory.py                    # 2,000 and 20,000 pairs, rules only
    python bench/gate_stream_memory.py --sizes 100000 1000000 --shards 8

Each run is `python -m toolkit gate SHARDS --stage dpo --engine E` in a child process; a sampler
sums the resident memory of that process and all its descendants (Ray's raylet, GCS and workers
included) every 0.2 s. Records: bench/gate_throughput.py's synthetic marketplace pairs, split
evenly into `--shards` JSONL files. Rules tier only by default (`--tiers`), so the run measures the
engine's memory, not the models'.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gate_throughput import synthetic_pairs  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def write_shards(folder: Path, count: int, shards: int) -> None:
    folder.mkdir(parents=True)
    handles = [(folder / f"pairs-{i:03d}.jsonl").open("w", encoding="utf-8") for i in range(shards)]
    per_shard = -(-count // shards)
    for index, row in enumerate(synthetic_pairs(count, seed=2)):
        handles[index // per_shard].write(json.dumps(row) + "\n")
    for handle in handles:
        handle.close()


def tree_rss_mib(process: psutil.Process) -> float:
    total = 0
    for p in [process, *process.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


def run_engine(engine: str, shards: Path, out: Path, recipe: Path, workers: int) -> dict[str, float]:
    command = [sys.executable, "-m", "toolkit", "gate", str(shards), "--stage", "dpo", "--out", str(out), "--recipe", str(recipe), "--engine", engine]
    if engine == "ray":
        command += ["--workers", str(workers)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    process = psutil.Process(child.pid)
    peak = 0.0
    while child.poll() is None:
        peak = max(peak, tree_rss_mib(process))
        time.sleep(0.2)
    if child.returncode != 0:
        raise RuntimeError(f"{engine} engine failed:\n{child.stderr.read()[-3000:]}")
    report = json.loads((out / "report.json").read_text())
    assert report["input"] == report["kept"] + report["quarantined"]
    return {"records": report["input"], "seconds": time.perf_counter() - started, "peak_mib": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 20_000])
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="Ray actors (and the local Ray's CPUs)")
    parser.add_argument("--engines", nargs="+", default=["local", "ray"])
    parser.add_argument("--tiers", default="rules", choices=["rules", "rules+toxicity", "all"])
    args = parser.parse_args()
    selection = {"rules": "    toxicity: false\n    semantic: false\n", "rules+toxicity": "    semantic: false\n", "all": "    rules: true\n"}[args.tiers]
    print(f"load average at start {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs; tiers: {args.tiers}")
    print("| engine | records | shards | wall s | records/s | peak RSS MiB (process tree) |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        recipe = Path(tmp) / "stream.yaml"
        recipe.write_text(f"name: stream\nsafety:\n  classifiers:\n{selection}")
        for size in args.sizes:
            shards = Path(tmp) / f"shards-{size}"
            write_shards(shards, size, args.shards)
            for engine in args.engines:
                run = run_engine(engine, shards, Path(tmp) / f"out-{engine}-{size}", recipe, args.workers)
                print(f"| {engine} | {int(run['records']):,} | {args.shards} | {run['seconds']:.0f} | {run['records'] / run['seconds']:,.0f} | {run['peak_mib']:.0f} |", flush=True)
    print(f"load average at end {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

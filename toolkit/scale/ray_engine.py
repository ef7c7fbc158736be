"""The Ray engine: shards are rows of a Ray Data dataset, gated by an actor pool whose workers load
the classifiers once each (MiniLM, the toxicity SVM) and then stream shard after shard.

    ray start --head                                   # on the head node (or skip: a local Ray starts)
    ray start --address HEAD_IP:6379                   # on every other node
    toolkit gate data/ --stage dpo --out gated/ --engine ray --address HEAD_IP:6379

Workers write their part files straight into `out`, so on a multi-node cluster `out` (and the input
shards) must be on a filesystem every node sees at the same path (NFS, a mounted bucket), and the
toolkit must be installed on every node. Only the per-shard reports travel back to the driver.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from safety.config import SafetyConfig
from safety.gate import GateReport
from toolkit.core.errors import UserInputError
from toolkit.scale.shards import gate_shard, write_merged_report

_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent.parent)


def _require_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise UserInputError("--engine ray", "Ray is not installed: pip install 'safety-posttrain-toolkit[scale]'") from None
    return ray


def worker_runtime_env() -> dict[str, Any]:
    """Workers import the toolkit from where the driver does (a source checkout works without installing)."""
    path = os.pathsep.join(p for p in (_PACKAGE_ROOT, os.environ.get("PYTHONPATH", "")) if p)
    return {"env_vars": {"PYTHONPATH": path, "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1"}}


class ShardWorker:
    """One actor of the pool: builds the classifiers in __init__ (once per worker), gates a shard per row."""

    def __init__(self, stage: str, config: dict[str, Any], out: str, batch_size: int, use_case: str | None):
        from safety.audit import STREAM_CACHE_ENTRIES
        from safety.classifiers import build_classifiers

        self.stage, self.out, self.batch_size, self.use_case = stage, out, batch_size, use_case
        self.config = SafetyConfig.model_validate(config)
        self.classifiers = build_classifiers(self.config, cache_entries=STREAM_CACHE_ENTRIES) if self.config.enabled else []

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import json

        reports = [
            json.dumps(gate_shard(int(index), path, self.stage, self.config, self.out, self.classifiers, self.batch_size, self.use_case))
            for index, path in zip(batch["index"], batch["path"], strict=True)
        ]
        return {"report": reports}


def gate_shards_ray(
    shards: Sequence[str | Path], stage: str, config: SafetyConfig, out: str | Path,
    address: str | None = None, workers: int | None = None, batch_size: int = 256, use_case: str | None = None,
) -> GateReport:
    """Gate shards on Ray: `address` joins a running cluster (None: the one this process already
    joined, else a local Ray). `workers` caps the actor pool (default: one per CPU, at most one per shard)."""
    ray = _require_ray()
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    started_here = not ray.is_initialized()
    if started_here:
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False, runtime_env=worker_runtime_env())
        except ConnectionError as exc:
            raise UserInputError("--address", f"cannot reach a Ray cluster at {address!r}: {exc}") from None
    try:
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.execution_options.preserve_order = True
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        pool = max(1, min(workers or cpus, cpus, len(shards)))
        rows = [{"index": index, "path": str(Path(shard).resolve())} for index, shard in enumerate(shards)]
        dataset = ray.data.from_items(rows, override_num_blocks=len(rows))
        results = dataset.map_batches(
            ShardWorker,
            fn_constructor_kwargs={
                "stage": stage, "config": config.model_dump(mode="json"), "out": str(out), "batch_size": batch_size, "use_case": use_case,
            },
            batch_size=1,
            concurrency=pool,
            num_cpus=1,
            runtime_env=worker_runtime_env(),
        )
        import json

        reports = [json.loads(row["report"]) for row in results.iter_rows()]
    finally:
        if started_here:
            ray.shutdown()
    return write_merged_report(out, "ray", reports)

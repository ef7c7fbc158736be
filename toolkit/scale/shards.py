"""Sharded gating: every input shard is gated on its own into `kept/` and `quarantine/` part files,
and one `report.json` sums the shards' counts.

Layout of the output folder (the same for every engine):

    kept/part-00000.jsonl        kept records of shard 0, in input order
    quarantine/part-00000.jsonl  its quarantined records (positions and lines point into shard 0)
    reports/part-00000.json      shard 0's own report, with the shard's path
    report.json                  all shards summed, plus `engine` and a `shards` list

A shard is gated exactly as `run_gate_file` gates one file (same reader, validation, batches and
decisions), so a shard's parts equal the local engine's kept.jsonl / quarantine.jsonl for that file.
Ids are checked for repeats within a shard (as the reader does for one file), not across shards.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from safety.audit import KEPT_FILE, QUARANTINE_FILE, REPORT_FILE, run_gate_file
from safety.classifiers.base import Classifier
from safety.config import SafetyConfig
from safety.gate import MAX_LISTED_DISAGREEMENTS, GateReport
from toolkit.core.errors import UserInputError

Engine = Literal["local", "ray"]
ENGINES: tuple[str, ...] = ("local", "ray")
SHARD_SUFFIXES = (".jsonl", ".ndjson", ".json", ".parquet", ".csv")


def find_shards(input: str | Path) -> list[Path]:
    """The data files to gate: the file itself, or a folder's JSONL / Parquet / CSV files sorted by name."""
    path = Path(input)
    if path.is_file():
        return [path]
    if path.is_dir():
        shards = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SHARD_SUFFIXES)
        if not shards:
            raise UserInputError(str(path), f"no data files ({', '.join(SHARD_SUFFIXES)}) in this folder")
        return shards
    raise UserInputError(str(path), "file or folder not found")


def part_name(index: int) -> str:
    return f"part-{index:05d}"


def gate_shard(
    index: int, shard: str | Path, stage: str, config: SafetyConfig, out: str | Path,
    classifiers: Sequence[Classifier] | None = None, batch_size: int = 256, use_case: str | None = None,
) -> dict[str, Any]:
    """Gate one shard into `out`'s part files (each moved into place atomically); returns its report as JSON."""
    out = Path(out)
    name = part_name(index)
    work = out / f".{name}.tmp"
    shutil.rmtree(work, ignore_errors=True)
    try:
        report = run_gate_file(
            shard, None, work, batch_size=batch_size, config=config, stage=stage, classifiers=classifiers, use_case=use_case
        )
        for folder in ("kept", "quarantine", "reports"):
            (out / folder).mkdir(parents=True, exist_ok=True)
        os.replace(work / KEPT_FILE, out / "kept" / f"{name}.jsonl")
        os.replace(work / QUARANTINE_FILE, out / "quarantine" / f"{name}.jsonl")
        os.replace(work / REPORT_FILE, out / "reports" / f"{name}.json")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"shard": str(shard), "part": name, **report.model_dump(mode="json")}


def merge_reports(reports: Sequence[GateReport | dict[str, Any]]) -> GateReport:
    """One report for many shards: every count and table summed, id lists concatenated (capped).

    Generic over GateReport's fields (ints, {key: int} and {key: {key: int}} tables, id lists), so
    a count the gate adds later merges without a change here."""
    if not reports:
        raise ValueError("no reports to merge")
    parsed = [r if isinstance(r, GateReport) else GateReport.model_validate(r) for r in reports]
    merged: dict[str, Any] = {"stage": parsed[0].stage, "classifiers": parsed[0].classifiers}
    for name in GateReport.model_fields:
        if name in merged:
            continue
        values = [getattr(report, name) for report in parsed]
        if isinstance(values[0], bool) or not isinstance(values[0], (int, dict, list)):
            merged[name] = values[0]
        elif isinstance(values[0], int):
            merged[name] = sum(values)
        elif isinstance(values[0], list):
            merged[name] = [item for value in values for item in value][:MAX_LISTED_DISAGREEMENTS]
        else:
            merged[name] = _sum_tables(values)
    return GateReport.model_validate(merged)


def _sum_tables(tables: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """{key: int} or {key: {key: int}} tables added key by key, keys sorted."""
    total: dict[str, Any] = {}
    for table in tables:
        for key, value in table.items():
            if isinstance(value, dict):
                total[key] = _sum_tables([total.get(key, {}), value])
            else:
                total[key] = total.get(key, 0) + value
    return dict(sorted(total.items()))


def write_merged_report(out: str | Path, engine: str, shard_reports: Sequence[dict[str, Any]]) -> GateReport:
    """report.json: the shards' sum, the engine, and one line per shard (path, part, counts)."""
    from toolkit.core.io import atomic_write_json

    ordered = sorted(shard_reports, key=lambda r: r["part"])
    merged = merge_reports([{k: v for k, v in r.items() if k not in ("shard", "part")} for r in ordered])
    if merged.input != merged.kept + merged.quarantined:
        raise AssertionError(f"counts do not add up across shards: {merged.input} != {merged.kept} + {merged.quarantined}")
    shards = [{k: r[k] for k in ("part", "shard", "input", "kept", "quarantined")} for r in ordered]
    atomic_write_json(Path(out) / REPORT_FILE, {**merged.model_dump(mode="json"), "engine": engine, "shards": shards})
    return merged


def gate_shards_local(
    shards: Sequence[str | Path], stage: str, config: SafetyConfig, out: str | Path, batch_size: int = 256,
    use_case: str | None = None, progress: Callable[[int], None] | None = None,
) -> GateReport:
    """The local engine over shards: one process, classifiers loaded once, shards one after another."""
    from safety.audit import STREAM_CACHE_ENTRIES
    from safety.classifiers import build_classifiers

    classifiers = build_classifiers(config, cache_entries=STREAM_CACHE_ENTRIES) if config.enabled else []
    reports = []
    for index, shard in enumerate(shards):
        reports.append(gate_shard(index, shard, stage, config, out, classifiers, batch_size, use_case))
        if progress is not None:
            progress(1)
    return write_merged_report(out, "local", reports)

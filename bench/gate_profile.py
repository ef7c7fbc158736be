"""Where the gate's time goes on multi-turn preference pairs, on one core, and what each change buys.

    python bench/gate_profile.py                       # 150 pairs all tiers, 20,000 rules only
    python bench/gate_profile.py --pairs 60 --rules-pairs 5000 --no-onnx

Data: `bench/multiturn.py` (synthetic marketplace support chats shaped like converted HH-RLHF rows:
1-4 earlier exchanges as the prompt, one answer each; common openers repeat). The process is pinned
to one core (sched_setaffinity, torch and BLAS on one thread). Per variant it prints texts per pair,
distinct texts, cache hits, the texts per classifier call (batch size), CPU seconds per tier and in
the gate itself, and pairs per CPU-second (which holds on a shared machine, where wall time does
not). Variants run in one process, alternating over `--reps`, medians reported:

- `no cache`: every text classified as often as it occurs (what the cache saves);
- `torch fp32 (reference)`: CachedClassifier (each distinct text once per pass) + the PyTorch MiniLM
  encoder in fp32 (what the head was trained with);
- `torch bf16-mixed`: the same encoder under bf16 autocast, what `semantic_precision: auto` picks on
  a CPU with native bf16;
- `re-gate`: the same pairs again with warm caches (the next stage's gate in one pipeline run);
- `onnx fp32` / `onnx int8`: the encoder on ONNX Runtime (`semantic_runtime: onnxruntime`,
  safety/classifiers/onnx_encoder.py), with the embeddings' cosine to PyTorch's and the number of
  decisions that differ;
- rules only, rules + toxicity: the cheap tiers.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_name] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from multiturn import multiturn_pairs  # noqa: E402


def pin_to_one_core() -> str:
    try:
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
    except (AttributeError, OSError):
        return "affinity not settable"
    import torch

    torch.set_num_threads(1)
    return f"core {core}"


class TierTimer:
    """Wraps a classifier's inner model: CPU seconds, texts scored and calls (the cache sits outside)."""

    def __init__(self, classifier: Any):
        self.classifier = classifier
        self.inner = getattr(classifier, "inner", classifier)
        self.original = self.inner.classify
        self.seconds = 0.0
        self.texts = 0
        self.calls = 0
        self.inner.classify = self._classify

    def _classify(self, texts: Sequence[str], *args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        result = self.original(texts, *args, **kwargs)
        self.seconds += time.process_time() - started
        self.texts += len(texts)
        self.calls += 1
        return result

    def reset(self) -> None:
        self.seconds, self.texts, self.calls = 0.0, 0, 0


def decisions_signature(decisions: Sequence[Any]) -> list[str]:
    """What the gate decided per pair, comparable across encoders."""
    out = []
    for d in decisions:
        if d.kept is not None:
            out.append("kept:" + json.dumps(d.kept.model_dump(mode="json", exclude_none=True), sort_keys=True))
        else:
            out.append("quarantined:" + ",".join(sorted(f"{r.category}/{r.action}" for r in d.quarantined.reasons)))
    return out


def run_variant(
    name: str, records: Sequence[Any], stage: str, config: Any, classifiers: list[Any], batch_size: int,
    warm: bool = False,
) -> dict[str, Any]:
    from safety.classifiers.base import CachedClassifier
    from safety.gate import Gate

    timers = [TierTimer(c) for c in classifiers]
    cached = [c for c in classifiers if isinstance(c, CachedClassifier)]
    for c in cached:
        c.hits = c.misses = 0
        if not warm:
            c._cache.clear()
    gate = Gate(stage, config, classifiers)
    started, cpu_started = time.perf_counter(), time.process_time()
    decisions = list(gate.run(records, batch_size))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    tiers = {t.classifier.name: t.seconds for t in timers}
    hits = sum(c.hits for c in cached)
    lookups = hits + sum(c.misses for c in cached)
    for t in timers:
        t.inner.classify = t.original
    return {
        "name": name, "pairs": len(records), "wall": wall, "cpu": cpu, "tiers": tiers,
        "gate_cpu": cpu - sum(tiers.values()),
        "texts_scored": {t.classifier.name: t.texts for t in timers},
        "batch": statistics.mean(t.texts / t.calls for t in timers if t.calls) if any(t.calls for t in timers) else 0,
        "hit_rate": hits / lookups if lookups else 0.0,
        "decisions": decisions_signature(decisions),
        "report": gate.finish(),
    }


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    best = sorted(runs, key=lambda r: r["cpu"])[len(runs) // 2]
    return {**best, "cpu_runs": [r["cpu"] for r in runs]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=150, help="pairs for the all-tier variants")
    parser.add_argument("--rules-pairs", type=int, default=20_000, help="pairs for rules-only / rules+toxicity")
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--stage", default="dpo")
    parser.add_argument("--no-onnx", action="store_true", help="skip the ONNX Runtime variants")
    args = parser.parse_args(argv)

    core = pin_to_one_core()
    from safety.classifiers import build_classifiers, semantic
    from safety.config import SafetyConfig
    from safety.gate import _units
    from toolkit.core.schema import PreferencePair

    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"gate profile: stage {args.stage}, one core ({core}), load average at start {load} on {os.cpu_count()} CPUs")
    print(f"semantic_precision 'auto' on this CPU: {'bf16-mixed' if semantic.Encoding.resolve().bf16 else 'fp32'}")
    records = [PreferencePair.model_validate(r) for r in multiturn_pairs(args.pairs, seed=11)]
    texts = [u.text for r in records for u in _units(r)]
    print(
        f"fixture: {len(records)} pairs, {len(texts) / len(records):.2f} texts per pair, "
        f"{len(set(texts)) / len(texts):.1%} of texts distinct, {statistics.mean(len(t.split()) for t in texts):.0f} words per text"
    )

    all_tiers = SafetyConfig()
    cached = build_classifiers(all_tiers)
    raw = [c.inner for c in cached]
    for c in cached:
        c.classify(["warm up every tier once"])
    real_embed = semantic.embed
    encodings = {"torch": semantic.Encoding(), "torch bf16-mixed": semantic.Encoding(bf16=True)}
    if not args.no_onnx:
        from toolkit.core.errors import UserInputError

        for label, precision in (("onnx fp32", "fp32"), ("onnx int8", "int8")):
            try:
                encoding = semantic.Encoding.resolve("onnxruntime", precision)
                semantic.embed(["warm up"], encoding=encoding)
                encodings[label] = encoding
            except (UserInputError, ImportError) as exc:
                print(f"ONNX variants skipped: {exc}")
                break
    # every variant takes embed's arguments and ignores the classifier's own runtime and precision
    encoders: dict[str, Callable[..., Any]] = {
        label: lambda texts, batch_size=64, encoding=None, chosen=chosen: real_embed(texts, batch_size, chosen)
        for label, chosen in encodings.items()
    }

    def with_encoder(label: str, classifiers: Sequence[Any] | None = None, name: str | None = None) -> Callable[[], dict[str, Any]]:
        def run() -> dict[str, Any]:
            semantic.embed = encoders[label]
            try:
                chosen = cached if classifiers is None else classifiers
                return run_variant(name or f"all tiers, {label}", records, args.stage, all_tiers, chosen, args.batch_size)
            finally:
                semantic.embed = real_embed
        return run

    variants: dict[str, Callable[[], dict[str, Any]]] = {
        "all tiers, no cache": with_encoder("torch", raw, "all tiers, no cache"),
        "all tiers, torch fp32 (reference)": with_encoder("torch"),  # fp32: the reference
    }
    for label in encoders:
        if label != "torch":
            variants[f"all tiers, {label}"] = with_encoder(label)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in variants}
    for rep in range(args.reps):
        for name in (list(variants) if rep % 2 == 0 else list(reversed(variants))):
            runs[name].append(variants[name]())
    results = {name: median_run(r) for name, r in runs.items()}
    results["re-gate, warm cache"] = run_variant("re-gate", records, args.stage, all_tiers, cached, args.batch_size, warm=True)
    results["re-gate, warm cache"]["cpu_runs"] = [results["re-gate, warm cache"]["cpu"]]

    # cheap tiers on many more pairs
    many = [PreferencePair.model_validate(r) for r in multiturn_pairs(args.rules_pairs, seed=12)]
    for label, selection in (("rules only", {"toxicity": False, "semantic": False}), ("rules + toxicity", {"semantic": False})):
        config = SafetyConfig.model_validate({"classifiers": selection})
        classifiers = build_classifiers(config)
        for c in classifiers:
            c.classify(["warm up"])
        results[label] = median_run([run_variant(label, many, args.stage, config, classifiers, args.batch_size) for _ in range(args.reps)])

    reference = results["all tiers, torch fp32 (reference)"]
    print()
    print("| variant | pairs | pairs/CPU-s | pairs/wall-s | texts scored per tier | texts per call | cache hits | CPU s: rules / toxicity / semantic / gate | CPU s per rep | decisions differing vs torch |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        tiers = " / ".join(f"{r['tiers'].get(t, 0):.2f}" for t in ("rules", "toxicity", "semantic"))
        scored = max(r["texts_scored"].values()) if r["texts_scored"] else 0
        differing = ""
        if r["pairs"] == reference["pairs"]:
            differing = str(sum(a != b for a, b in zip(r["decisions"], reference["decisions"], strict=True)))
        print(
            f"| {name} | {r['pairs']:,} | {r['pairs'] / r['cpu']:,.1f} | {r['pairs'] / r['wall']:,.1f} | {scored:,} | {r['batch']:.0f} | "
            f"{r['hit_rate']:.1%} | {tiers} / {r['gate_cpu']:.2f} | {' '.join(f'{x:.1f}' for x in r['cpu_runs'])} | {differing} |"
        )
    print()

    def ratio(a: str, b: str) -> str:
        ra, rb = results[a], results[b]
        return f"{(ra['pairs'] / ra['cpu']) / (rb['pairs'] / rb['cpu']):.2f}x"

    print(f"cache (each distinct text once) vs no cache, all tiers: {ratio('all tiers, torch fp32 (reference)', 'all tiers, no cache')}")
    print(f"re-gating the same pairs (next stage, warm cache) vs cold: {ratio('re-gate, warm cache', 'all tiers, torch fp32 (reference)')}")
    for label in encoders:
        if label != "torch":
            print(f"{label} encoder vs torch encoder, all tiers: {ratio(f'all tiers, {label}', 'all tiers, torch fp32 (reference)')}")
    semantic_share = reference["tiers"].get("semantic", 0) / reference["cpu"]
    print(f"semantic tier share of the all-tier CPU time: {semantic_share:.1%}")
    if len(encoders) > 1:
        sample = texts[: min(len(texts), 256)]
        base = encoders["torch"](sample)
        for label, encode in encoders.items():
            if label != "torch":
                cosine = (base * encode(sample)).sum(axis=1)
                print(f"{label} embeddings vs torch on {len(sample)} texts: cosine min {cosine.min():.4f}, median {statistics.median(cosine.tolist()):.4f}")
    print(f"load average at end {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

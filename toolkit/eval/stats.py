"""Paired statistics for base-vs-tuned evaluation: is the change real, or one answer's worth of noise?

Every eval prompt is answered by both models, so outcomes are paired. A paired bootstrap gives the
interval of the mean difference; McNemar's exact test asks whether the yes/no outcomes (violation,
refusal) that changed moved one way more than chance allows. Wilson intervals serve single rates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats as scipy_stats

DEFAULT_CONFIDENCE = 0.95
DEFAULT_RESAMPLES = 2000


@dataclass(frozen=True)
class PairedComparison:
    """One metric, base vs tuned, on the same prompts."""

    metric: str
    n: int
    base: float
    tuned: float
    difference: float  # tuned - base
    ci_low: float
    ci_high: float
    confidence: float
    mcnemar_p: float | None = None  # yes/no outcomes only
    only_base: int | None = None  # prompts where the outcome held for base but not tuned
    only_tuned: int | None = None  # ... for tuned but not base

    @property
    def excludes_zero(self) -> bool:
        return self.ci_low > 0 or self.ci_high < 0

    def relative_change(self) -> float | None:
        return None if self.base == 0 else self.difference / self.base

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "excludes_zero": self.excludes_zero}


def _as_array(values: Sequence[float] | Sequence[bool]) -> np.ndarray:
    return np.asarray([float(v) for v in values], dtype=np.float64)


def paired_bootstrap_ci(
    base: Sequence[float] | Sequence[bool],
    tuned: Sequence[float] | Sequence[bool],
    confidence: float = DEFAULT_CONFIDENCE,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile interval of mean(tuned) - mean(base), resampling prompts (pairs) with a fixed seed."""
    base_a, tuned_a = _as_array(base), _as_array(tuned)
    if base_a.shape != tuned_a.shape:
        raise ValueError(f"paired samples differ in length: {base_a.size} vs {tuned_a.size}")
    if base_a.size == 0:
        return (math.nan, math.nan)
    if base_a.size == 1:
        diff = float(tuned_a[0] - base_a[0])
        return (diff, diff)

    def mean_difference(b: np.ndarray, t: np.ndarray, axis: int = -1) -> np.ndarray:
        return t.mean(axis=axis) - b.mean(axis=axis)

    result = scipy_stats.bootstrap(
        (base_a, tuned_a),
        mean_difference,
        paired=True,
        vectorized=True,
        method="percentile",  # BCa is undefined when every difference is equal, common with yes/no data
        confidence_level=confidence,
        n_resamples=n_resamples,
        rng=np.random.default_rng(seed),
    )
    return (float(result.confidence_interval.low), float(result.confidence_interval.high))


def mcnemar_exact(base: Sequence[bool], tuned: Sequence[bool]) -> tuple[float, int, int]:
    """Two-sided exact McNemar p-value for paired yes/no outcomes, with the two discordant counts."""
    if len(base) != len(tuned):
        raise ValueError(f"paired samples differ in length: {len(base)} vs {len(tuned)}")
    only_base = sum(1 for b, t in zip(base, tuned, strict=True) if b and not t)
    only_tuned = sum(1 for b, t in zip(base, tuned, strict=True) if t and not b)
    discordant = only_base + only_tuned
    if discordant == 0:
        return 1.0, 0, 0
    p_value = scipy_stats.binomtest(min(only_base, only_tuned), discordant, 0.5).pvalue
    return float(min(1.0, p_value)), only_base, only_tuned


def wilson_interval(successes: int, n: int, confidence: float = DEFAULT_CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for one rate (sound at 0 and 1, unlike the normal approximation)."""
    if n <= 0:
        return (math.nan, math.nan)
    z = float(scipy_stats.norm.ppf(0.5 + confidence / 2))
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def compare_paired(
    metric: str,
    base: Sequence[float] | Sequence[bool],
    tuned: Sequence[float] | Sequence[bool],
    confidence: float = DEFAULT_CONFIDENCE,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> PairedComparison:
    """Base and tuned means, the paired difference with its bootstrap interval; McNemar for booleans."""
    base_a, tuned_a = _as_array(base), _as_array(tuned)
    low, high = paired_bootstrap_ci(base_a, tuned_a, confidence, n_resamples, seed)
    binary = all(isinstance(v, bool | np.bool_) for v in [*base, *tuned])
    p_value = only_base = only_tuned = None
    if binary:
        p_value, only_base, only_tuned = mcnemar_exact([bool(v) for v in base], [bool(v) for v in tuned])
    n = int(base_a.size)
    base_mean = float(base_a.mean()) if n else math.nan
    tuned_mean = float(tuned_a.mean()) if n else math.nan
    return PairedComparison(
        metric=metric,
        n=n,
        base=base_mean,
        tuned=tuned_mean,
        difference=tuned_mean - base_mean,
        ci_low=low,
        ci_high=high,
        confidence=confidence,
        mcnemar_p=p_value,
        only_base=only_base,
        only_tuned=only_tuned,
    )

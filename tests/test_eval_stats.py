"""Statistics behind every base-vs-tuned claim, checked against cases worked by hand."""

import math

import pytest

from toolkit.eval.stats import compare_paired, mcnemar_exact, paired_bootstrap_ci, wilson_interval


def test_mcnemar_exact_matches_the_binomial_worked_by_hand():
    # b = 1 prompt where only base violated, c = 9 where only tuned did: 10 discordant pairs.
    # p = 2 * P(X <= 1 | Bin(10, 1/2)) = 2 * (1 + 10) / 1024 = 22/1024.
    base = [True] * 1 + [False] * 9 + [True] * 5 + [False] * 5
    tuned = [False] * 1 + [True] * 9 + [True] * 5 + [False] * 5
    p_value, only_base, only_tuned = mcnemar_exact(base, tuned)
    assert (only_base, only_tuned) == (1, 9)
    assert p_value == pytest.approx(22 / 1024)


def test_mcnemar_is_one_when_nothing_changed():
    assert mcnemar_exact([True, False], [True, False]) == (1.0, 0, 0)


def test_bootstrap_on_two_pairs_spans_the_whole_resampling_distribution():
    # Differences {0, 1}: resampled means are 0 (p=1/4), 0.5 (1/2), 1 (1/4); the 95 % percentile
    # interval is therefore [0, 1].
    assert paired_bootstrap_ci([0, 0], [0, 1], seed=0) == (0.0, 1.0)


def test_bootstrap_with_a_fixed_seed_is_reproducible_and_degenerate_when_all_differences_agree():
    base, tuned = [1, 0, 1, 1, 0, 1], [0, 0, 1, 0, 0, 1]
    assert paired_bootstrap_ci(base, tuned, seed=3) == paired_bootstrap_ci(base, tuned, seed=3)
    assert paired_bootstrap_ci([1, 1, 1], [0, 0, 0]) == (-1.0, -1.0)


def test_bootstrap_width_matches_the_normal_approximation_on_a_large_sample():
    # 400 pairs, difference 1 on 100 of them, 0 elsewhere: mean 0.25, sd 0.433, se 0.02165.
    base = [0.0] * 400
    tuned = [1.0] * 100 + [0.0] * 300
    low, high = paired_bootstrap_ci(base, tuned, n_resamples=4000, seed=1)
    assert low == pytest.approx(0.25 - 1.96 * 0.02165, abs=0.01)
    assert high == pytest.approx(0.25 + 1.96 * 0.02165, abs=0.01)


def test_wilson_interval_worked_by_hand():
    # 0 of 10: centre = (z^2/20)/(1+z^2/10), half the same => [0, z^2/10 / (1 + z^2/10)] = [0, 0.2775]
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson_interval(5, 10)
    assert (low, high) == (pytest.approx(0.2366, abs=1e-4), pytest.approx(0.7634, abs=1e-4))
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


def test_compare_paired_reports_a_violation_drop_that_excludes_zero():
    base = [True] * 40 + [False] * 60
    tuned = [True] * 10 + [False] * 90
    result = compare_paired("violation_rate", base, tuned)
    assert (result.base, result.tuned) == (0.4, 0.1)
    assert result.difference == pytest.approx(-0.3)
    assert result.excludes_zero and result.ci_high < 0
    assert (result.only_base, result.only_tuned) == (30, 0)
    assert result.mcnemar_p == pytest.approx(2 * 0.5**30)
    assert result.relative_change() == pytest.approx(-0.75)
    assert result.to_json()["excludes_zero"] is True


def test_compare_paired_on_scores_has_no_mcnemar():
    result = compare_paired("rubric", [0.5, 0.75, 1.0], [0.75, 0.75, 1.0])
    assert result.mcnemar_p is None and result.only_base is None
    assert result.difference == pytest.approx(1 / 12)


def test_unpaired_lengths_are_refused():
    with pytest.raises(ValueError, match="differ in length"):
        paired_bootstrap_ci([1, 0], [1])

"""Paired comparison across seeds: tests, intervals and effect size against hand computations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dl_lab.evaluation.stats import compare_paired, mean_std_across_seeds

BASELINE = [0.90, 0.92, 0.91, 0.93, 0.89]
CANDIDATE = [0.93, 0.94, 0.92, 0.96, 0.91]  # differences 0.03, 0.02, 0.01, 0.03, 0.02


def test_paired_statistics_match_hand_computation():
    result = compare_paired(BASELINE, CANDIDATE, confidence=0.95, seed=0)
    diff = np.array([0.03, 0.02, 0.01, 0.03, 0.02])
    sd = diff.std(ddof=1)  # 0.008367
    assert result.n == 5
    assert result.mean_diff == pytest.approx(0.022)
    assert result.std_diff == pytest.approx(sd)
    assert result.cohens_d == pytest.approx(0.022 / sd)  # d_z for paired data
    half = stats.t.ppf(0.975, 4) * sd / math.sqrt(5)  # t_{4, 0.975} = 2.776
    assert (result.ci_low, result.ci_high) == pytest.approx((0.022 - half, 0.022 + half))
    t = 0.022 / (sd / math.sqrt(5))
    assert result.t_statistic == pytest.approx(t)
    assert result.t_pvalue == pytest.approx(2 * stats.t.sf(t, 4))
    assert result.baseline_mean == pytest.approx(0.91)
    assert result.candidate_mean == pytest.approx(0.932)


def test_wilcoxon_with_five_pairs_cannot_reach_five_percent():
    """All five differences positive: the smallest exact two-sided p-value, 2 / 2^5."""
    result = compare_paired(BASELINE, CANDIDATE)
    assert result.wilcoxon_statistic == 0
    assert result.wilcoxon_pvalue == pytest.approx(0.0625)
    assert result.wilcoxon_min_p == pytest.approx(0.0625)
    assert result.t_pvalue < 0.05 < result.wilcoxon_pvalue


def test_bootstrap_interval_is_seeded_and_brackets_the_mean():
    first = compare_paired(BASELINE, CANDIDATE, seed=3)
    again = compare_paired(BASELINE, CANDIDATE, seed=3)
    assert (first.bootstrap_ci_low, first.bootstrap_ci_high) == (
        again.bootstrap_ci_low,
        again.bootstrap_ci_high,
    )
    assert 0.01 <= first.bootstrap_ci_low <= first.mean_diff <= first.bootstrap_ci_high <= 0.03


def test_swapping_the_variants_flips_the_sign():
    ab, ba = compare_paired(BASELINE, CANDIDATE), compare_paired(CANDIDATE, BASELINE)
    assert ab.mean_diff == pytest.approx(-ba.mean_diff)
    assert ab.cohens_d == pytest.approx(-ba.cohens_d)
    assert ab.t_pvalue == pytest.approx(ba.t_pvalue)


def test_identical_variants_give_no_effect_rather_than_an_error():
    result = compare_paired(BASELINE, BASELINE)
    assert result.mean_diff == 0 and result.wilcoxon_pvalue == 1.0
    assert math.isnan(result.cohens_d) and math.isnan(result.t_pvalue)
    assert result.ci_low == result.ci_high == 0


@pytest.mark.parametrize(
    "a, b, kwargs, message",
    [
        ([0.9, 0.8], [0.9], {}, "equal 1-D shapes"),
        ([0.9], [0.8], {}, "at least 2 pairs"),
        ([0.9, 0.8], [0.8, 0.9], {"confidence": 1.5}, "confidence must be in \\(0, 1\\)"),
    ],
)
def test_bad_input_is_refused(a, b, kwargs, message):
    with pytest.raises(ValueError, match=message):
        compare_paired(a, b, **kwargs)


def test_mean_std_across_seeds_gives_one_row_per_variant():
    table = pd.DataFrame(
        {
            "variant": ["a", "a", "a", "b"],
            "seed": [0, 1, 2, 0],
            "test_acc": [0.9, 0.8, 0.7, 0.5],
        }
    )
    summary = mean_std_across_seeds(table, ["variant"], ["test_acc", "absent"])
    row = summary.set_index("variant").loc["a"]
    assert row["n_seeds"] == 3
    assert row["test_acc_mean"] == pytest.approx(0.8)
    assert row["test_acc_std"] == pytest.approx(0.1)
    assert math.isnan(summary.set_index("variant").loc["b", "test_acc_std"])

"""Paired comparison of two variants measured on the same seeds (course 1.18).

Each seed gives one pair (a_i, b_i) and one difference d_i = b_i - a_i. Reported:
the paired t-test (scipy.stats.ttest_rel), the Wilcoxon signed-rank test
(scipy.stats.wilcoxon), the t-based confidence interval of the mean difference
mean(d) +- t_{n-1, 1-alpha/2} * sd(d) / sqrt(n), a percentile bootstrap interval of the
same mean, and Cohen's d for paired data, d_z = mean(d) / sd(d) (Cohen, 1988; Lakens, 2013).
With n pairs the exact two-sided Wilcoxon p-value cannot fall below 2 / 2^n (0.0625 for
n = 5), so with five seeds it can never reach 0.05; ``wilcoxon_min_p`` reports that floor.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class PairedComparison:
    """The result of ``compare_paired``; ``diff`` is candidate - baseline."""

    n: int
    baseline_mean: float
    baseline_std: float
    candidate_mean: float
    candidate_std: float
    mean_diff: float
    std_diff: float
    ci_low: float
    ci_high: float
    bootstrap_ci_low: float
    bootstrap_ci_high: float
    t_statistic: float
    t_pvalue: float
    wilcoxon_statistic: float
    wilcoxon_pvalue: float
    wilcoxon_min_p: float
    cohens_d: float
    confidence: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def mean_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """The t-interval of the mean of ``values`` (one value: the value itself, no spread)."""
    values = np.asarray(values, dtype=float)
    return _ci_of_mean(values, confidence) if len(values) > 1 else (values[0], values[0])


def _ci_of_mean(diff: np.ndarray, confidence: float) -> tuple[float, float]:
    """t-interval of the mean of ``diff``."""
    n, mean = len(diff), float(diff.mean())
    sem = float(diff.std(ddof=1)) / np.sqrt(n)
    if sem == 0:
        return mean, mean
    half = float(stats.t.ppf(0.5 + confidence / 2, df=n - 1)) * sem
    return mean - half, mean + half


def _bootstrap_ci(
    diff: np.ndarray, confidence: float, resamples: int, seed: int
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``diff``."""
    rng = np.random.default_rng(seed)
    means = rng.choice(diff, size=(resamples, len(diff)), replace=True).mean(axis=1)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def _wilcoxon(diff: np.ndarray) -> tuple[float, float]:
    """Signed-rank statistic and two-sided p; (nan, 1.0) when every difference is zero."""
    if not np.any(diff):
        return float("nan"), 1.0
    result = stats.wilcoxon(diff)
    return float(result.statistic), float(result.pvalue)


def compare_paired(
    baseline: np.ndarray | list[float],
    candidate: np.ndarray | list[float],
    confidence: float = 0.95,
    bootstrap_resamples: int = 10_000,
    seed: int = 0,
) -> PairedComparison:
    """Paired tests, intervals and effect size of ``candidate - baseline``."""
    a, b = np.asarray(baseline, dtype=float), np.asarray(candidate, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"paired samples need equal 1-D shapes, got {a.shape} and {b.shape}")
    if len(a) < 2:
        raise ValueError(f"a paired comparison needs at least 2 pairs (seeds), got {len(a)}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    diff = b - a
    sd = float(diff.std(ddof=1))
    t_result = stats.ttest_rel(b, a) if sd > 0 else None
    w_stat, w_p = _wilcoxon(diff)
    ci = _ci_of_mean(diff, confidence)
    boot = _bootstrap_ci(diff, confidence, bootstrap_resamples, seed)
    return PairedComparison(
        n=len(diff),
        baseline_mean=float(a.mean()),
        baseline_std=float(a.std(ddof=1)),
        candidate_mean=float(b.mean()),
        candidate_std=float(b.std(ddof=1)),
        mean_diff=float(diff.mean()),
        std_diff=sd,
        ci_low=ci[0],
        ci_high=ci[1],
        bootstrap_ci_low=boot[0],
        bootstrap_ci_high=boot[1],
        t_statistic=float(t_result.statistic) if t_result else float("nan"),
        t_pvalue=float(t_result.pvalue) if t_result else float("nan"),
        wilcoxon_statistic=w_stat,
        wilcoxon_pvalue=w_p,
        wilcoxon_min_p=2.0 / 2 ** len(diff),
        cohens_d=float(diff.mean()) / sd if sd > 0 else float("nan"),
        confidence=confidence,
    )


def mean_std_across_seeds(table: pd.DataFrame, keys: list[str], metrics: list[str]) -> pd.DataFrame:
    """One row per ``keys`` group: ``n_seeds`` and ``<metric>_mean`` / ``<metric>_std``."""
    present = [m for m in metrics if m in table]
    grouped = table.groupby(keys, sort=False)
    summary = grouped[present].agg(["mean", "std"])
    summary.columns = [f"{metric}_{stat}" for metric, stat in summary.columns]
    summary.insert(0, "n_seeds", grouped.size())
    return summary.reset_index()

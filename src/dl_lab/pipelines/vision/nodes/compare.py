"""The comparison stage: tidy tables over every variant and seed, statistics and figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_lab import tracking
from dl_lab.evaluation.stats import compare_paired, mean_std_across_seeds
from dl_lab.pipelines.vision.params import ReportConfig
from dl_lab.reporting.vision import (
    plot_accuracy_vs_cost,
    plot_gap_per_regularizer,
    plot_learning_curves_overlay,
    plot_seed_boxplots,
    plot_weight_histograms,
)

KEYS = ["study", "variant", "architecture", "regularizer"]
COLUMNS = [
    *KEYS,
    "seed",
    "params",
    "flops",
    "epoch_time_s",
    "epochs_run",
    "best_epoch",
    "best_val_acc",
    "train_acc_eval",
    "val_acc_eval",
    "test_acc",
    "train_val_gap_eval",
    "train_val_gap",
    "near_zero_fraction",
    "zero_fraction",
    "weight_l2_norm",
    "peak_memory_mb",
    "activation_memory_mb",
    "wall_time_s",
    "test_loss",
    "test_f1_macro",
]
SUMMARY_METRICS = [c for c in COLUMNS if c not in KEYS and c != "seed"]


def compare_variants(**rows: pd.DataFrame) -> pd.DataFrame:
    """One tidy row per variant and seed (the rows by namespace), the key columns first."""
    table = pd.concat(rows.values(), ignore_index=True)
    table["seed"] = table["seed"].astype(int)
    first = [c for c in COLUMNS if c in table]
    return table[first + [c for c in table if c not in first]]


def summarize_variants(comparison: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation across seeds of every metric, one row per variant."""
    return mean_std_across_seeds(comparison, KEYS, SUMMARY_METRICS)


def run_paired_tests(comparison: pd.DataFrame, report: ReportConfig, seed: int) -> pd.DataFrame:
    """Paired t-test, Wilcoxon, CIs and Cohen's d for each configured pair, seed by seed."""
    rows = []
    for test in report.paired_tests:
        part = comparison[comparison["study"] == test.study]
        a = part[part["variant"] == test.baseline].set_index("seed")[test.metric]
        b = part[part["variant"] == test.candidate].set_index("seed")[test.metric]
        if a.empty or b.empty or set(a.index) != set(b.index):
            raise ValueError(
                f"paired test {test.study}: {test.baseline} seeds {sorted(a.index)} and "
                f"{test.candidate} seeds {sorted(b.index)} must be the same non-empty set"
            )
        result = compare_paired(
            a.sort_index().to_numpy(),
            b.loc[a.sort_index().index].to_numpy(),
            report.confidence,
            report.bootstrap_resamples,
            seed,
        )
        rows.append({**test.model_dump(), **result.as_dict()})
    return pd.DataFrame(rows)


def collect_tables(**tables: pd.DataFrame) -> pd.DataFrame:
    """Stack per-variant tidy tables (histories, weight histograms; by namespace) into one."""
    return pd.concat(tables.values(), ignore_index=True)


def plot_cost_comparison(summary: pd.DataFrame, report: ReportConfig) -> Figure:
    """Test accuracy against parameters, FLOPs and epoch time in the chosen studies."""
    return plot_accuracy_vs_cost(summary[summary["study"].isin(report.cost_studies)])


def plot_learning_curves(histories: pd.DataFrame) -> Figure:
    """Overlaid learning curves of every variant, mean over seeds."""
    return plot_learning_curves_overlay(histories)


def plot_seed_spread(comparison: pd.DataFrame) -> Figure:
    """Boxplots of test accuracy across seeds."""
    return plot_seed_boxplots(comparison, "test_acc")


def plot_weights(
    histograms: pd.DataFrame, comparison: pd.DataFrame, report: ReportConfig
) -> Figure:
    """Weight-magnitude histograms of the regularizer study's chosen regularizers."""

    def chosen(table: pd.DataFrame) -> pd.DataFrame:
        in_study = table["study"] == report.regularizer_study
        return table[in_study & table["regularizer"].isin(report.histogram_regularizers)]

    return plot_weight_histograms(
        chosen(histograms), chosen(comparison), report.near_zero_threshold
    )


def plot_gaps(summary: pd.DataFrame, report: ReportConfig) -> Figure:
    """Train-validation gap per regularizer in the regularizer study."""
    return plot_gap_per_regularizer(summary[summary["study"] == report.regularizer_study])


def summarize_metrics(
    comparison: pd.DataFrame, paired: pd.DataFrame
) -> dict[str, dict[str, float]]:
    """Headline numbers for the ``kedro run`` parent run."""
    metrics = {"best_test_acc": float(np.max(comparison["test_acc"]))}
    for _, row in paired.iterrows():
        name = f"{row['study']}.{row['candidate']}_vs_{row['baseline']}"
        for key in ("mean_diff", "t_pvalue", "wilcoxon_pvalue", "cohens_d"):
            metrics[f"{name}.{key}"] = float(row[key])
    return tracking.metric_values(metrics)

"""Nodes that draw and summarize: return curves, gradient variance, the evaluation table."""

# Annotations stay evaluated (no ``from __future__ import annotations``): see nodes/agents.py.

import pandas as pd
from matplotlib.figure import Figure

from dl_lab import tracking
from dl_lab.reporting.rl import plot_evaluations, plot_gradient_variance, plot_return_curves

SUMMARY_COLUMNS = [
    "study",
    "variant",
    "algorithm",
    "env_id",
    "seed",
    "env_steps",
    "episodes",
    "wall_time_s",
    "eval_episodes",
    "eval_mean_return",
    "eval_std_return",
]


def plot_returns(
    returns: pd.DataFrame, title: str, x: str = "episode", threshold: float | None = None
) -> Figure:
    """Return curves, mean ± std over seeds, one line per variant."""
    return plot_return_curves(returns, x=x, title=title, threshold=threshold)


def plot_greedy_evaluations(
    evaluations: pd.DataFrame, title: str, threshold: float | None = None
) -> Figure:
    """Periodic greedy evaluations against environment steps, one line per run."""
    return plot_evaluations(evaluations, title=title, threshold=threshold)


def plot_variance(probes: pd.DataFrame, title: str) -> Figure:
    """Gradient variance of REINFORCE with and without the baseline."""
    return plot_gradient_variance(probes, title)


def summarize_evaluations(**evaluations: pd.DataFrame) -> pd.DataFrame:
    """Every study's final greedy evaluations in one table, in the order given."""
    return pd.concat([table[SUMMARY_COLUMNS] for table in evaluations.values()], ignore_index=True)


def concat_tables(**tables: pd.DataFrame) -> pd.DataFrame:
    """Rows of several tables with the same columns, in the order given."""
    return pd.concat(tables.values(), ignore_index=True)


def summary_metrics(
    evaluation: pd.DataFrame, **probes: pd.DataFrame
) -> dict[str, dict[str, float]]:
    """Headline numbers for the parent run: mean greedy return per study and variant, and for
    each REINFORCE study the variance ratio of its gradient without / with the baseline."""
    means = evaluation.groupby(["study", "variant"])["eval_mean_return"].mean()
    metrics = {
        f"{study}.{variant}.eval_mean_return": float(v) for (study, variant), v in means.items()
    }
    for study, table in probes.items():
        wide = table.pivot_table(
            index=["variant", "seed", "update"], columns="estimator", values="grad_variance"
        )
        metrics[f"{study}.grad_variance_ratio"] = float(
            (wide["no_baseline"] / wide["baseline"]).median()
        )
    return tracking.metric_values(metrics)

"""Nodes that draw and summarize: return curves, gradient variance, the evaluation table."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from dl_lab.reporting.rl import plot_evaluations, plot_gradient_variance, plot_return_curves


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


def plot_variance(probes: pd.DataFrame) -> Figure:
    """Gradient variance of REINFORCE with and without the baseline."""
    return plot_gradient_variance(probes)


def summarize_evaluations(*tables: pd.DataFrame) -> pd.DataFrame:
    """All final greedy evaluations in one table."""
    columns = [
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
    return pd.concat([t[columns] for t in tables], ignore_index=True)


def concat_tables(*tables: pd.DataFrame) -> pd.DataFrame:
    """Rows of several tables with the same columns."""
    return pd.concat(tables, ignore_index=True)


def summary_metrics(evaluation: pd.DataFrame, probes: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Headline numbers for the parent run: mean greedy return per study and variant, and
    the variance ratio of the REINFORCE gradient without / with the baseline."""
    means = evaluation.groupby(["study", "variant"])["eval_mean_return"].mean()
    metrics = {
        f"{study}.{variant}.eval_mean_return": float(v) for (study, variant), v in means.items()
    }
    wide = probes.pivot_table(
        index=["variant", "seed", "update"], columns="estimator", values="grad_variance"
    )
    metrics["reinforce.grad_variance_ratio"] = float(
        (wide["no_baseline"] / wide["baseline"]).median()
    )
    return {key: {"value": value, "step": 0} for key, value in metrics.items()}

"""Nodes for shallow vs deep representation (2.20) and Hebbian vs gradient learning (2.19)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_lab.fundamentals.config import DepthParams, HebbianParams
from dl_lab.fundamentals.depth import (
    best_per_depth,
    budget_sweep,
    exact_constructions,
    exact_errors,
    sawtooth,
)
from dl_lab.fundamentals.hebbian import compare_rules
from dl_lab.fundamentals.seeds import experiment_rng
from dl_lab.reporting.fundamentals.representation import plot_depth, plot_hebbian
from dl_lab.tracking import metric_values


def compare_depth(
    params: DepthParams, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Figure, dict]:
    """Trained nets of each depth at matched parameter budgets, beside the exact constructions."""
    settings = params.model_dump(include={"activation", "n_train", "epochs", "lr"})
    runs = budget_sweep(params.depths, params.budgets, params.k, params.n_seeds, seed, **settings)
    table = pd.DataFrame([run.summary() for run in runs])
    summary = (
        table.groupby(["kind", "budget", "n_params"])
        .agg(
            median_test_mse=("test_mse", "median"),
            best_test_mse=("test_mse", "min"),
            n_seeds=("test_mse", "size"),
        )
        .reset_index()
    )
    summary = pd.concat([summary, pd.DataFrame(exact_errors(params.k))], ignore_index=True)
    x = np.linspace(0, 1, 1001)[:, None]
    fits = {
        f"depth {d}, {r.n_params} params": (x[:, 0], r.predict(x)[:, 0])
        for d, r in best_per_depth(runs, max(params.budgets)).items()
    }
    metrics = {
        f"{row.kind}.budget_{row.budget}.median_test_mse": row.median_test_mse
        for row in summary.itertuples()
        if not row.kind.endswith("exact")
    }
    exact = pd.DataFrame(exact_constructions(params.exact_k_max))
    figure = plot_depth(summary, fits, x[:, 0], sawtooth(x[:, 0], params.k))
    return table, summary, exact, figure, metric_values(metrics)


def compare_hebbian(params: HebbianParams, seed: int) -> tuple[pd.DataFrame, Figure, dict]:
    """Hebb rule vs delta rule on orthogonal, random and correlated input patterns."""
    rows, norms = compare_rules(
        ["orthogonal", "random", "correlated"],
        params.pattern_counts,
        params.n_inputs,
        params.n_outputs,
        params.correlation,
        {"hebbian": params.hebb_lr, "delta_rule": params.delta_lr},
        params.epochs,
        experiment_rng(seed, "hebbian"),
    )
    table = pd.DataFrame(rows)
    middle = params.pattern_counts[len(params.pattern_counts) // 2]
    curves = {
        f"{rule}, correlated, P={middle}": norms["correlated", middle, rule]
        for rule in ("hebbian", "delta_rule")
    }
    worst = table.groupby("rule")["bit_error_rate"].max()
    metrics = {f"{rule}.max_bit_error_rate": value for rule, value in worst.items()}
    return table, plot_hebbian(table, curves), metric_values(metrics)

"""Nodes for shallow vs deep representation (2.20) and Hebbian vs gradient learning (2.19)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_lab.fundamentals.depth import (
    budget_sweep,
    exact_constructions,
    exact_deep_sawtooth,
    exact_shallow_sawtooth,
    sawtooth,
)
from dl_lab.fundamentals.hebbian import compare_rules
from dl_lab.pipelines.fundamentals.nodes._common import as_metrics, rng_for
from dl_lab.pipelines.fundamentals.params import DepthParams, HebbianParams
from dl_lab.reporting.fundamentals.representation import plot_depth, plot_hebbian


def _exact_summary(k: int) -> pd.DataFrame:
    x = np.linspace(0, 1, 4097)[:, None]
    rows = []
    for kind, model in (
        ("deep_exact", exact_deep_sawtooth(k)),
        ("shallow_exact", exact_shallow_sawtooth(k)),
    ):
        mse = float(np.mean((model.forward(x) - sawtooth(x, k)) ** 2))
        rows.append(
            {
                "kind": kind,
                "budget": model.n_params,
                "n_params": model.n_params,
                "median_test_mse": mse,
                "best_test_mse": mse,
                "n_seeds": 0,
            }
        )
    return pd.DataFrame(rows)


def compare_depth(
    params: DepthParams, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Figure, dict]:
    """Trained nets of each depth at matched parameter budgets, beside the exact constructions."""
    runs = budget_sweep(
        params.depths,
        params.budgets,
        params.k,
        params.n_seeds,
        seed,
        activation=params.activation,
        n_train=params.n_train,
        epochs=params.epochs,
        lr=params.lr,
    )
    table = pd.DataFrame(
        [
            {
                "kind": "shallow" if r.depth == 1 else f"depth_{r.depth}",
                "depth": r.depth,
                "budget": r.budget,
                "sizes": str(r.sizes),
                "n_params": r.n_params,
                "seed_index": r.seed_index,
                "train_mse": r.train_mse,
                "test_mse": r.test_mse,
            }
            for r in runs
        ]
    )
    summary = (
        table.groupby(["kind", "budget", "n_params"])
        .agg(
            median_test_mse=("test_mse", "median"),
            best_test_mse=("test_mse", "min"),
            n_seeds=("test_mse", "size"),
        )
        .reset_index()
    )
    summary = pd.concat([summary, _exact_summary(params.k)], ignore_index=True)
    x = np.linspace(0, 1, 1001)[:, None]
    best = {
        d: min(
            (r for r in runs if r.depth == d and r.budget == max(params.budgets)),
            key=lambda r: r.test_mse,
        )
        for d in params.depths
    }
    fits = {
        f"depth {d}, {r.n_params} params": (x[:, 0], r.predict(x)[:, 0]) for d, r in best.items()
    }
    metrics = {
        f"{row.kind}.budget_{row.budget}.median_test_mse": row.median_test_mse
        for row in summary.itertuples()
        if not row.kind.endswith("exact")
    }
    exact = pd.DataFrame(exact_constructions(params.exact_k_max))
    figure = plot_depth(summary, fits, x[:, 0], sawtooth(x[:, 0], params.k))
    return table, summary, exact, figure, as_metrics(metrics)


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
        rng_for(seed, "hebbian"),
    )
    table = pd.DataFrame(rows)
    middle = params.pattern_counts[len(params.pattern_counts) // 2]
    curves = {
        f"{rule}, correlated, P={middle}": norms["correlated", middle, rule]
        for rule in ("hebbian", "delta_rule")
    }
    worst = table.groupby("rule")["bit_error_rate"].max()
    metrics = {f"{rule}.max_bit_error_rate": value for rule, value in worst.items()}
    return table, plot_hebbian(table, curves), as_metrics(metrics)

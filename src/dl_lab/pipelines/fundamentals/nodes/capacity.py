"""Nodes for shallow vs deep representation (2.20) and Hebbian vs gradient learning (2.19)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_lab.fundamentals.depth import (
    exact_constructions,
    exact_deep_sawtooth,
    exact_shallow_sawtooth,
    sawtooth,
    train_on_budget,
)
from dl_lab.fundamentals.hebbian import RULES, bit_error_rate, patterns
from dl_lab.pipelines.fundamentals.figures.representation import plot_depth, plot_hebbian
from dl_lab.pipelines.fundamentals.nodes._common import as_metrics, rng_for
from dl_lab.pipelines.fundamentals.params import DepthParams, HebbianParams


def _exact_rows(k: int) -> list[dict]:
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
    return rows


def compare_depth(
    params: DepthParams, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Figure, dict]:
    """Trained nets of each depth at matched parameter budgets, beside the exact constructions."""
    runs = []
    for depth in params.depths:
        streams = np.random.SeedSequence([seed, depth]).spawn(params.n_seeds)
        for budget in params.budgets:
            runs += [
                train_on_budget(
                    depth,
                    budget,
                    params.k,
                    np.random.default_rng(s),
                    params.activation,
                    params.n_train,
                    params.epochs,
                    params.lr,
                    i,
                )
                for i, s in enumerate(streams)
            ]
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
    summary = pd.concat([summary, pd.DataFrame(_exact_rows(params.k))], ignore_index=True)
    x = np.linspace(0, 1, 1001)[:, None]
    top = max(params.budgets)
    fits = {}
    for depth in params.depths:
        best = min(
            (r for r in runs if r.depth == depth and r.budget == top), key=lambda r: r.test_mse
        )
        fits[f"depth {depth}, {best.n_params} params"] = (x[:, 0], best.predict(x)[:, 0])
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
    rng = rng_for(seed, "hebbian")
    lrs = {"hebbian": params.hebb_lr, "delta_rule": params.delta_lr}
    rows, norms = [], {}
    for kind in ("orthogonal", "random", "correlated"):
        for count in params.pattern_counts:
            if kind == "orthogonal" and count > params.n_inputs:
                continue
            x = patterns(kind, count, params.n_inputs, rng, params.correlation)
            y = rng.choice([-1.0, 1.0], size=(count, params.n_outputs))
            for rule in RULES.available():
                learned = RULES.build(rule, x=x, y=y, lr=lrs[rule], epochs=params.epochs)
                least_squares = y.T @ np.linalg.pinv(x).T  # (m, n)
                rows.append(
                    {
                        "patterns": kind,
                        "n_pairs": count,
                        "rule": rule,
                        "bit_error_rate": bit_error_rate(learned.weights, x, y),
                        "weight_norm": learned.weight_norms[-1],
                        "cosine_to_hebb_direction": _cosine(learned.weights, y.T @ x),
                        "cosine_to_least_squares": _cosine(learned.weights, least_squares),
                    }
                )
                if (
                    kind == "correlated"
                    and count == params.pattern_counts[len(params.pattern_counts) // 2]
                ):
                    norms[f"{rule}, {kind}, P={count}"] = learned.weight_norms
    table = pd.DataFrame(rows)
    worst = table.groupby("rule")["bit_error_rate"].max()
    metrics = {f"{rule}.max_bit_error_rate": value for rule, value in worst.items()}
    return table, plot_hebbian(table, norms), as_metrics(metrics)


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    denominator = np.linalg.norm(a) * np.linalg.norm(b)
    return float((a * b).sum() / denominator) if denominator else float("nan")

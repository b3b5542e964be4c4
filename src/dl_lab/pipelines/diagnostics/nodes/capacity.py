"""Nodes: bias-variance (1.2, 1.20), complexity sweeps (1.9, 1.24), classical vs deep (1.1, 1.27)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from dl_lab import tracking
from dl_lab.data.bundle import ModelInput
from dl_lab.diagnostics.bias_variance import decompose_over_seeds, minimum_of
from dl_lab.diagnostics.classical import compare_classical_deep, winners
from dl_lab.diagnostics.complexity import (
    capacity_sweep,
    cnn_factory,
    depth_bias_variance,
    mlp_factory,
)
from dl_lab.diagnostics.config import (
    BiasVarianceParams,
    ClassicalParams,
    ComplexityParams,
    FitParams,
    Seeds,
)
from dl_lab.diagnostics.jobs import mean_over_seeds, seeded_splits
from dl_lab.evaluation.fit import recommend_complexity
from dl_lab.reporting.diagnostics.capacity import (
    plot_bias_variance,
    plot_capacity,
    plot_classical,
    plot_learning_curves_by_size,
    plot_zero_one,
)
from dl_lab.training.loops import prepare_splits


def decompose_regression_error(
    params: BiasVarianceParams, seeds: Seeds
) -> tuple[pd.DataFrame, Figure, dict]:
    """bias² + variance + noise vs polynomial degree and MLP width on each seed; where the
    minimum of the mean over seeds lies."""
    table = decompose_over_seeds(
        params.problem, params.degrees, params.mlp_widths, params.k, params.mlp_k,
        params.sampling, list(seeds), params.mlp_steps, params.mlp_lr,
    )  # fmt: skip
    mean = mean_over_seeds(table, ["family", "complexity"])
    poly, mlp = (mean[mean["family"] == f].reset_index(drop=True)
                 for f in ("polynomial_degree", "mlp_width"))  # fmt: skip
    best_degree, best_width = minimum_of(poly), minimum_of(mlp)
    summary = {
        "bv_best_degree": best_degree["complexity"], "bv_best_degree_mse": best_degree["expected_test_mse"],
        "bv_best_width": best_width["complexity"], "bv_best_width_mse": best_width["expected_test_mse"],
        "bv_identity_max_rel_error": float(((table["sum"] - table["expected_test_mse"]).abs()
                                             / table["expected_test_mse"]).max()),
    }  # fmt: skip
    figure = plot_bias_variance({"polynomial degree": poly, "MLP hidden width": mlp})
    return table, figure, tracking.metric_values(summary)


def decompose_classifier_error(
    model_input: ModelInput, params: BiasVarianceParams, seed: int
) -> tuple[pd.DataFrame, Figure]:
    """0-1 loss = bias + net variance (Domingos) across MLP depth, on bootstrap fits."""
    data = prepare_splits(model_input, params.classifier_train_size, seed)
    factories = {f"depth {d}": mlp_factory(data, d, params.classifier_width)
                 for d in params.classifier_depths}  # fmt: skip
    table = depth_bias_variance(factories, data, params.classifier_k, params.classifier_loop, seed)
    return table, plot_zero_one(table)


def sweep_capacity(
    model_input: ModelInput, params: ComplexityParams, fit: FitParams, seeds: Seeds
) -> tuple[pd.DataFrame, Figure]:
    """MLP and CNN depth and width sweeps on each seed: accuracy, parameters, FLOPs, time,
    advice (1.9)."""
    data = seeded_splits(model_input, params.train_size, list(seeds))
    shapes = next(iter(data.values()))  # the factories read shapes only: any seed's splits
    sweeps = {
        "mlp_depth": {f"d{d}": mlp_factory(shapes, d, params.mlp_width) for d in params.mlp_depths},
        "mlp_width": {f"w{w}": mlp_factory(shapes, params.mlp_depth, w) for w in params.mlp_widths},
        "cnn_depth": {
            f"d{d}": cnn_factory(shapes, (params.cnn_width,) * d) for d in params.cnn_depths
        },
        "cnn_width": {
            f"w{w}": cnn_factory(shapes, (w,) * params.cnn_depth) for w in params.cnn_widths
        },
    }
    table = capacity_sweep(sweeps, data, params.loop, fit.thresholds)
    table["advice"] = [
        recommend_complexity(t, v, fit.thresholds)
        for t, v in zip(table["train_acc"], table["val_acc"], strict=True)
    ]
    return table, plot_capacity(mean_over_seeds(table, ["sweep", "variant"]))


def compare_classical_and_deep(
    model_input: ModelInput, params: ClassicalParams, seeds: Seeds
) -> tuple[pd.DataFrame, pd.DataFrame, Figure, Figure]:
    """Classical models on pixels and HOG vs MLP and CNN across training-set sizes (test split)
    on each seed; the full table and, per size, who wins on the mean over seeds."""
    deep = {name: (m.architecture, m.options) for name, m in params.deep.items()}
    table = compare_classical_deep(
        model_input, list(params.sizes), params.classifiers, list(params.features), deep,
        params.loop, params.min_updates, list(seeds),
    )  # fmt: skip
    mean = mean_over_seeds(table, ["train_size", "model", "features", "family"])
    return table, winners(mean), plot_classical(mean), plot_learning_curves_by_size(mean)

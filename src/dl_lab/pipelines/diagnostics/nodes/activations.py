"""Nodes: activations (1.14, 2.2, 2.9, 2.24) and losses (2.5, 2.17)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from dl_lab.data.bundle import ModelInput
from dl_lab.diagnostics.activation_sweep import activation_sweep
from dl_lab.diagnostics.activations import activation_curves, curve_summary, softmax_curve
from dl_lab.diagnostics.config import ActivationsParams, FitParams, LossesParams, Seeds
from dl_lab.diagnostics.jobs import first_seed, mean_over_seeds, seeded_splits
from dl_lab.diagnostics.losses import (
    compare_classifier_losses,
    robust_regression,
    saturation_gradients,
)
from dl_lab.reporting.diagnostics.activations import (
    plot_activation_curves,
    plot_activation_training,
    plot_losses,
)


def sweep_activations(
    model_input: ModelInput, params: ActivationsParams, fit: FitParams, seeds: Seeds
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Figure, Figure]:
    """Ranges and derivatives of each activation; the same deep MLP trained with each, on
    each seed."""
    low, high = params.curve_range
    curves = pd.concat(
        [activation_curves(params.names, low, high), softmax_curve(low=low, high=high)]
    )
    data = seeded_splits(model_input, params.train_size, list(seeds))
    table, histories, layers = activation_sweep(
        params.names, data, params.depth, params.width, params.loop, params.target,
        fit.thresholds,
    )  # fmt: skip
    return (curve_summary(curves), table, layers, plot_activation_curves(curves),
            plot_activation_training(first_seed(histories), first_seed(layers)))  # fmt: skip


def compare_losses(
    model_input: ModelInput, params: LossesParams, fit: FitParams, seeds: Seeds
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Figure]:
    """MSE vs cross-entropy on one classifier (speed, gradient at saturation) and robust
    regression, on each seed."""
    data = seeded_splits(model_input, params.train_size, list(seeds))
    table, histories = compare_classifier_losses(
        data, params.model["depth"], params.model["width"], params.loop, params.target,
        params.wrong_below, fit.thresholds,
    )  # fmt: skip
    saturation = saturation_gradients(params.saturation_probabilities)
    regression = robust_regression(
        params.regression, params.regression_losses, params.outlier_fractions, list(seeds)
    )
    mean = mean_over_seeds(regression, ["loss", "outlier_fraction"])
    figure = plot_losses(saturation, first_seed(histories), mean)
    return table, saturation, regression, figure

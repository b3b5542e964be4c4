"""Nodes: activations (1.14, 2.2, 2.9, 2.24) and losses (2.5, 2.17)."""

from __future__ import annotations

import pandas as pd
import torch
from matplotlib.figure import Figure

from dl_lab.data.bundle import ModelInput
from dl_lab.diagnostics.activation_sweep import activation_sweep
from dl_lab.diagnostics.activations import (
    activation_curves,
    curve_summary,
    first_epoch_reaching,
    softmax_curve,
)
from dl_lab.diagnostics.complexity import deep_mlp_factory
from dl_lab.diagnostics.config import ActivationsParams, FitParams, LossesParams
from dl_lab.diagnostics.losses import (
    logit_gradient_norms,
    mse_on_probabilities,
    robust_regression,
    saturation_gradients,
)
from dl_lab.evaluation.fit import diagnose_fit
from dl_lab.reporting.diagnostics.activations import (
    plot_activation_curves,
    plot_activation_training,
    plot_losses,
)
from dl_lab.training.loops import prepare_splits, train_classifier


def sweep_activations(
    model_input: ModelInput, params: ActivationsParams, fit: FitParams, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Figure, Figure]:
    """Ranges and derivatives of each activation; the same deep MLP trained with each."""
    low, high = params.curve_range
    curves = pd.concat(
        [activation_curves(params.names, low, high), softmax_curve(low=low, high=high)]
    )
    data = prepare_splits(model_input, params.train_size, seed)
    table, histories, layers = activation_sweep(
        params.names, data, params.depth, params.width, params.loop, params.target, seed,
        fit.thresholds,
    )  # fmt: skip
    return (curve_summary(curves), table, layers, plot_activation_curves(curves),
            plot_activation_training(histories, layers))  # fmt: skip


def compare_losses(
    model_input: ModelInput, params: LossesParams, fit: FitParams, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Figure]:
    """MSE vs cross-entropy on one classifier (speed, gradient at saturation); robust regression."""
    data = prepare_splits(model_input, params.train_size, seed)
    make = deep_mlp_factory(data, params.model["depth"], params.model["width"])
    rows, histories = [], []
    for name, loss_fn in (
        ("cross_entropy", torch.nn.functional.cross_entropy),
        ("mse", mse_on_probabilities),
    ):
        torch.manual_seed(seed)
        model = make()
        result = train_classifier(model, data, params.loop, seed, loss_fn=loss_fn)
        h = result.history
        histories.append(h.assign(loss=name))
        rows.append({"loss": name, "final_val_acc": h["val_acc"].iloc[-1],
                     "epochs_to_target": first_epoch_reaching(h["val_acc"], h["epoch"], params.target),
                     "diverged": result.diverged, "fit_diagnosis": diagnose_fit(h, fit.thresholds).label,
                     **logit_gradient_norms(model, data.x_train, data.y_train, params.wrong_below)})  # fmt: skip
    saturation = saturation_gradients(params.saturation_probabilities)
    regression = robust_regression(
        params.regression, params.regression_losses, params.outlier_fractions, seed
    )
    figure = plot_losses(saturation, pd.concat(histories), regression)
    return pd.DataFrame(rows), saturation, regression, figure

"""Activation and loss figures."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure


def plot_activation_curves(curves: pd.DataFrame) -> Figure:
    """Each activation and its derivative (autograd) on one small panel."""
    names = list(dict.fromkeys(curves["activation"]))
    cols = 5
    rows = -(-len(names) // cols)
    fig = Figure(figsize=(3.2 * cols, 2.8 * rows), layout="constrained")
    axes = list(fig.subplots(rows, cols, squeeze=False).flat)
    for ax in axes[len(names) :]:
        ax.set_axis_off()
    for ax, name in zip(axes, names, strict=False):
        part = curves[curves["activation"] == name]
        ax.plot(part["x"], part["y"], label="f(x)")
        ax.plot(part["x"], part["dy_dx"], "--", label="f'(x)")
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_title(str(name), fontsize=10)
    axes[0].legend(fontsize=7)
    return fig


def plot_activation_training(histories: pd.DataFrame, layers: pd.DataFrame) -> Figure:
    """Validation accuracy per epoch, and per-layer activation variance after training."""
    fig = Figure(figsize=(12, 4.2), layout="constrained")
    acc_ax, var_ax = fig.subplots(1, 2)
    for name, part in histories.groupby("activation", sort=False):
        acc_ax.plot(part["epoch"], part["val_acc"], "o-", ms=3, label=str(name))
    for name, part in layers.groupby("activation", sort=False):
        var_ax.semilogy(part["layer"], part["variance"], "o-", ms=3, label=str(name))
    acc_ax.set(xlabel="epoch", ylabel="validation accuracy", title="same deep MLP, each activation")
    var_ax.set(xlabel="hidden layer", ylabel="activation variance", title="after training")
    acc_ax.legend(fontsize=7)
    return fig


def plot_losses(
    saturation: pd.DataFrame, histories: pd.DataFrame, regression: pd.DataFrame
) -> Figure:
    """|dL/dz| at a sigmoid output; MSE vs CE training; regression error with outliers."""
    fig = Figure(figsize=(16, 4.2), layout="constrained")
    grad_ax, train_ax, reg_ax = fig.subplots(1, 3)
    grad_ax.semilogy(saturation["y_hat"], saturation["mse_grad"].abs(), "o-", label="MSE")
    grad_ax.semilogy(saturation["y_hat"], saturation["ce_grad"].abs(), "s-", label="cross-entropy")
    grad_ax.set(xlabel="predicted probability of the true class", ylabel="|dL/dz|",
                title="gradient at a sigmoid output (label 1)")  # fmt: skip
    for loss, part in histories.groupby("loss", sort=False):
        train_ax.plot(part["epoch"], part["val_acc"], "o-", label=str(loss))
    train_ax.set(xlabel="epoch", ylabel="validation accuracy", title="same classifier, two losses")
    for loss, part in regression.groupby("loss", sort=False):
        reg_ax.plot(part["outlier_fraction"], part["test_rmse"], "o-", label=str(loss))
    reg_ax.set(xlabel="fraction of training outliers", ylabel="clean test RMSE",
               title="regression losses vs outliers")  # fmt: skip
    for ax in (grad_ax, train_ax, reg_ax):
        ax.legend(fontsize=8)
    return fig

"""Hyperparameter figures: learning rates, schedules, batch sizes, epochs, optimizers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_lab.diagnostics.optimization import Quadratic
from dl_lab.reporting.diagnostics.fit import LABEL_COLOURS


def _finite(values: pd.Series) -> pd.Series:
    return values.replace([np.inf, -np.inf], np.nan)


def plot_lr_sweep(histories: pd.DataFrame, table: pd.DataFrame) -> Figure:
    """Training loss per epoch for every rate, one panel per optimizer; outcome in the legend."""
    optimizers = list(dict.fromkeys(table["optimizer"]))
    fig = Figure(figsize=(6 * len(optimizers), 4), layout="constrained")
    for ax, name in zip(
        fig.subplots(1, len(optimizers), squeeze=False)[0], optimizers, strict=True
    ):
        for _, row in table[table["optimizer"] == name].iterrows():
            part = histories[(histories["optimizer"] == name) & (histories["lr"] == row["lr"])]
            label = f"lr {row['lr']:g}: {row['outcome']}"
            ax.semilogy(part["epoch"], _finite(part["train_loss"]), "o-", ms=3, label=label)
        ax.set(xlabel="epoch", ylabel="train loss", title=f"{name}: learning-rate sweep")
        ax.legend(fontsize=7)
    return fig


def plot_schedules(histories: pd.DataFrame) -> Figure:
    """Learning rate and validation loss per epoch for each schedule."""
    fig = Figure(figsize=(11, 4), layout="constrained")
    lr_ax, loss_ax = fig.subplots(1, 2)
    for name, part in histories.groupby("schedule", sort=False):
        lr_ax.plot(part["epoch"], part["lr"], "o-", ms=3, label=str(name))
        loss_ax.plot(part["epoch"], part["val_loss"], "o-", ms=3, label=str(name))
    lr_ax.set(xlabel="epoch", ylabel="learning rate (epoch start)", title="schedules")
    loss_ax.set(xlabel="epoch", ylabel="validation loss", title="effect on validation loss")
    lr_ax.legend()
    return fig


def plot_batch_sizes(trace: pd.DataFrame) -> Figure:
    """Training loss against updates (log) and against training wall-clock time."""
    fig = Figure(figsize=(11, 4), layout="constrained")
    updates_ax, clock_ax = fig.subplots(1, 2)
    for batch, part in trace.groupby("batch", sort=False):
        updates_ax.plot(
            part["updates"].clip(lower=1), part["train_loss"], ".-", label=f"batch {batch}"
        )
        clock_ax.plot(part["wall_s"], part["train_loss"], ".-", label=f"batch {batch}")
    updates_ax.set_xscale("log")
    updates_ax.set(xlabel="updates", ylabel="training loss", title="loss vs updates")
    clock_ax.set(xlabel="training time (s)", ylabel="training loss", title="loss vs wall clock")
    updates_ax.legend()
    return fig


def plot_epochs(history: pd.DataFrame, labels: pd.Series) -> Figure:
    """Curves of a long run, each epoch coloured by the diagnosis had training stopped there."""
    fig = Figure(figsize=(9, 4), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(history["epoch"], history["train_loss"], label="train loss")
    ax.plot(history["epoch"], history["val_loss"], label="val loss")
    for epoch, label in labels.items():
        ax.axvspan(
            epoch - 0.5, epoch + 0.5, color=LABEL_COLOURS.get(label, "grey"), alpha=0.15, lw=0
        )
    for label, colour in LABEL_COLOURS.items():
        if label in set(labels):
            ax.plot([], [], color=colour, alpha=0.4, lw=8, label=label)
    ax.set(xlabel="epoch", ylabel="loss", title="Diagnosis if training stopped at each epoch")
    ax.legend(fontsize=8)
    return fig


def plot_optimizers(histories: pd.DataFrame) -> Figure:
    """Training and validation loss per epoch for each optimizer."""
    fig = Figure(figsize=(11, 4), layout="constrained")
    train_ax, val_ax = fig.subplots(1, 2)
    for name, part in histories.groupby("run", sort=False):
        train_ax.semilogy(part["epoch"], _finite(part["train_loss"]), "o-", ms=3, label=str(name))
        val_ax.plot(part["epoch"], part["val_acc"], "o-", ms=3, label=str(name))
    train_ax.set(xlabel="epoch", ylabel="train loss", title="optimizers: training loss")
    val_ax.set(xlabel="epoch", ylabel="validation accuracy", title="validation accuracy")
    train_ax.legend()
    return fig


def plot_quadratic(paths: pd.DataFrame, quadratic: Quadratic) -> Figure:
    """Trajectories over the contours of the ill-conditioned quadratic, and loss per step."""
    fig = Figure(figsize=(13, 4.5), layout="constrained")
    contour_ax, loss_ax = fig.subplots(1, 2, width_ratios=[1.6, 1])
    w1, w2 = np.meshgrid(np.linspace(-4.5, 1.5, 200), np.linspace(-1.3, 1.3, 200))
    z = 0.5 * (quadratic.a * w1**2 + quadratic.b * w2**2)
    contour_ax.contour(w1, w2, z, levels=np.geomspace(0.01, z.max(), 15), colors="lightgrey")
    for run, part in paths.groupby("run", sort=False):
        contour_ax.plot(part["w1"], part["w2"], ".-", ms=2, lw=0.8, label=str(run))
        loss_ax.semilogy(part["step"], part["loss"], label=str(run))
    contour_ax.set(xlabel="w1 (flat)", ylabel="w2 (steep)",
                   title=f"f = (a w1^2 + b w2^2)/2, condition {quadratic.b / quadratic.a:g}")  # fmt: skip
    loss_ax.set(xlabel="step", ylabel="f(w)", title="loss")
    contour_ax.legend(fontsize=8)
    return fig

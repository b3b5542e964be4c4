"""Figures for weight penalties, activity sparsity, depth and Hebbian learning."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def plot_weight_penalties(first_layer: dict[str, np.ndarray], table: pd.DataFrame) -> Figure:
    """Histograms of first-layer weights per penalty, and train/val accuracy."""
    fig = Figure(figsize=(12, 4.5), layout="constrained")
    ax_h, ax_a = fig.subplots(1, 2)
    bins = np.linspace(-3, 3, 61)
    for label, weights in first_layer.items():
        ax_h.hist(np.clip(weights.ravel(), -3, 3), bins=bins, histtype="step", label=label)
    ax_h.set(
        xlabel="first-layer weight", ylabel="count", yscale="log", title="Weight distributions"
    )
    ax_h.legend(fontsize=7)
    x = np.arange(len(table))
    ax_a.bar(x - 0.2, table["train_acc"], 0.4, label="train")
    ax_a.bar(x + 0.2, table["val_acc"], 0.4, label="val")
    ax_a.set_xticks(x, table["variant"], rotation=30, ha="right", fontsize=8)
    ax_a.set(ylabel="accuracy", ylim=(0.4, 1.02), title="Train vs validation")
    ax_a.legend()
    return fig


def plot_sparsity(
    fields: dict[str, np.ndarray], activity: dict[str, np.ndarray], size: int
) -> Figure:
    """Hidden units' input weights as images, and the distribution of hidden activations."""
    n_rows = len(fields)
    n_units = max(w.shape[0] for w in fields.values())
    fig = Figure(figsize=(1.0 * n_units + 4, 1.3 * n_rows + 1), layout="constrained")
    grid = fig.add_gridspec(n_rows, n_units + 4)
    for row, (label, weights) in enumerate(fields.items()):
        for unit in range(weights.shape[0]):
            ax = fig.add_subplot(grid[row, unit])
            ax.imshow(weights[unit].reshape(size, size), cmap="RdBu_r")
            ax.set_xticks([])
            ax.set_yticks([])
            if unit == 0:
                ax.set_ylabel(label, fontsize=8)
        ax = fig.add_subplot(grid[row, n_units:])
        ax.hist(activity[label].ravel(), bins=np.linspace(0, 1, 41))
        ax.set_yscale("log")
        ax.set_title(f"{label}: hidden activations", fontsize=8)
    fig.suptitle("Hidden units' input weights (one image per unit) per activity penalty")
    return fig


def plot_depth(
    summary: pd.DataFrame,
    fits: dict[str, tuple[np.ndarray, np.ndarray]],
    x: np.ndarray,
    target: np.ndarray,
) -> Figure:
    """Test error against parameters (trained median/best, exact constructions) and fits."""
    fig = Figure(figsize=(12, 4.5), layout="constrained")
    ax_e, ax_f = fig.subplots(1, 2)
    for kind, part in summary.groupby("kind"):
        if kind.endswith("exact"):
            ax_e.scatter(
                part["n_params"],
                np.maximum(part["median_test_mse"], 1e-12),
                marker="*",
                s=120,
                label=kind,
            )
            continue
        ax_e.plot(part["n_params"], part["median_test_mse"], marker="o", label=f"{kind} median")
        ax_e.plot(
            part["n_params"], part["best_test_mse"], ls="--", marker=".", label=f"{kind} best"
        )
    ax_e.set(
        xlabel="parameters",
        ylabel="test MSE",
        xscale="log",
        yscale="log",
        title="Error against parameters",
    )
    ax_e.legend(fontsize=8)
    ax_f.plot(x, target, color="black", lw=2, label="target")
    for label, (xs, ys) in fits.items():
        ax_f.plot(xs, ys, lw=1, label=label)
    ax_f.set(xlabel="x", ylabel="f(x)", title="Fits at the largest budget")
    ax_f.legend(fontsize=8)
    return fig


def plot_hebbian(table: pd.DataFrame, norms: dict[str, list[float]]) -> Figure:
    """Recall bit errors against stored pairs per rule and input kind; weight norms per epoch."""
    fig = Figure(figsize=(12, 4.5), layout="constrained")
    ax_e, ax_n = fig.subplots(1, 2)
    for (kind, rule), part in table.groupby(["patterns", "rule"]):
        ax_e.plot(
            part["n_pairs"],
            part["bit_error_rate"],
            marker="o",
            ls="-" if rule == "hebbian" else "--",
            label=f"{rule}, {kind}",
        )
    ax_e.set(xlabel="stored pairs P", ylabel="recall bit-error rate", title="Recall errors")
    ax_e.legend(fontsize=8)
    for label, series in norms.items():
        ax_n.plot(range(1, len(series) + 1), series, marker=".", label=label)
    ax_n.set(xlabel="epoch", ylabel="||W||_F", title="Weight growth", yscale="log")
    ax_n.legend(fontsize=8)
    return fig

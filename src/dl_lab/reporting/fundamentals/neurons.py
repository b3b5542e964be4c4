"""Figures for neurons, the perceptron, activations, backprop traces and XOR."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_lab.fundamentals.activations import ACTIVATIONS, get_activation
from dl_lab.fundamentals.perceptron import PerceptronResult
from dl_lab.fundamentals.xor import XOR_X, XOR_Y, XorRun, decision_grid


def plot_perceptron(
    results: dict[str, PerceptronResult], x: np.ndarray, y: np.ndarray, max_epochs: int
) -> Figure:
    """Mistakes per epoch for each data set, and the learned line on the separable set."""
    fig = Figure(figsize=(11, 4), layout="constrained")
    ax_m, ax_d = fig.subplots(1, 2)
    for name, result in results.items():
        ax_m.plot(range(1, result.epochs + 1), result.mistakes_per_epoch, marker=".", label=name)
    ax_m.axvline(max_epochs, color="grey", ls=":", label="epoch limit")
    ax_m.set(xlabel="epoch", ylabel="mistakes (updates)", title="Perceptron: mistakes per epoch")
    ax_m.set_xscale("log")
    ax_m.legend(fontsize=8)
    ax_d.scatter(x[:, 0], x[:, 1], c=y, cmap="coolwarm", s=10)
    separable = results["separable"]
    w, b = separable.weights, separable.bias
    xs = np.linspace(x[:, 0].min(), x[:, 0].max(), 2)
    if len(w) >= 2 and abs(w[1]) > 1e-12:
        ax_d.plot(xs, -(w[0] * xs + b) / w[1], color="black", label="learned boundary")
        ax_d.legend(fontsize=8)
    ax_d.set(xlabel="x1", ylabel="x2", title="Separable data, learned line (first 2 dims)")
    return fig


def plot_activations(z_max: float = 4.0) -> Figure:
    """Every registered activation and its derivative on [-z_max, z_max]."""
    z = np.linspace(-z_max, z_max, 401)
    fig = Figure(figsize=(11, 4), layout="constrained")
    ax_f, ax_d = fig.subplots(1, 2)
    for name in ACTIVATIONS.available():
        act = get_activation(name)
        a = act.forward(z)
        ax_f.plot(z, a, label=name)
        ax_d.plot(z, act.derivative(z, a), label=name)
    ax_f.set(xlabel="z", ylabel="f(z)", title="Activations", ylim=(-1.5, z_max))
    ax_d.set(xlabel="z", ylabel="f'(z)", title="Derivatives", ylim=(-0.2, 1.3))
    ax_f.legend(fontsize=8, ncols=2)
    return fig


def plot_two_layer_trace(trace: pd.DataFrame) -> Figure:
    """Loss and per-layer error magnitudes |delta| of the course's 3-2-1 net over training."""
    fig = Figure(figsize=(11, 4), layout="constrained")
    ax_l, ax_d = fig.subplots(1, 2)
    ax_l.plot(trace["epoch"], trace["loss"])
    ax_l.set(xlabel="epoch", ylabel="1/2 (y - y_hat)^2, batch mean", title="Loss")
    for column, label in (
        ("mean_abs_delta2", "output layer |delta2|"),
        ("mean_abs_delta1", "hidden layer |delta1|"),
    ):
        ax_d.plot(trace["epoch"], trace[column], label=label)
    ax_d.set(xlabel="epoch", ylabel="mean |dL/dz|", yscale="log", title="Error per layer")
    ax_d.legend()
    return fig


def plot_xor_boundaries(runs: list[XorRun]) -> Figure:
    """Decision regions of the given runs with the four XOR points."""
    fig = Figure(figsize=(4 * len(runs), 4), layout="constrained")
    for ax, run in zip(np.atleast_1d(fig.subplots(1, len(runs))), runs, strict=True):
        xx, yy, p = decision_grid(run.model)
        image = ax.contourf(xx, yy, p, levels=np.linspace(0, 1, 11), cmap="coolwarm", alpha=0.8)
        ax.contour(xx, yy, p, levels=[0.5], colors="black")
        ax.scatter(XOR_X[:, 0], XOR_X[:, 1], c=XOR_Y, cmap="coolwarm", edgecolors="black", s=80)
        status = "solved" if run.solved else "not solved"
        ax.set(
            title=f"2-{run.hidden}-1, seed #{run.seed_index}: {status}", xlabel="x1", ylabel="x2"
        )
    fig.colorbar(image, ax=fig.axes, label="p(y = 1)")
    return fig


def _hidden_scatter(ax, run: XorRun, h: np.ndarray) -> None:
    """Hidden points with their inputs as labels (coinciding points share one label)."""
    ax.scatter(h[:, 0], h[:, 1], c=XOR_Y, cmap="coolwarm", edgecolors="black", s=80)
    labels: dict[tuple[float, float], list[str]] = {}
    for point, (u, v) in zip(XOR_X.astype(int), h, strict=True):
        labels.setdefault((round(u, 1), round(v, 1)), []).append(f"{point[0]}{point[1]}")
    for (u, v), names in labels.items():
        ax.annotate("x=" + ", ".join(names), (u, v), textcoords="offset points", xytext=(6, -12))
    out = run.model.layers[-1]  # the output unit is a line in hidden space
    (w1, w2), b = out.weight[0], out.bias[0]
    if abs(w2) > 1e-12:
        us = np.linspace(-0.05, 1.05, 2)
        ax.plot(us, -(w1 * us + b) / w2, color="black", lw=1, label="output boundary")
        ax.legend(fontsize=8, loc="center")
    ax.set(xlabel="h1", ylabel="h2", xlim=(-0.1, 1.2), ylim=(-0.1, 1.1))


def plot_xor_hidden(runs: list[XorRun]) -> Figure:
    """Hidden activations of the four XOR points: 2-D scatter (h = 2) or heatmap."""
    fig = Figure(figsize=(5 * len(runs), 4.2), layout="constrained")
    for ax, run in zip(np.atleast_1d(fig.subplots(1, len(runs))), runs, strict=True):
        h = run.hidden_representation()
        if h.shape[1] == 2:
            _hidden_scatter(ax, run, h)
        else:
            image = ax.imshow(h, cmap="viridis", vmin=0, vmax=1)
            ax.set_yticks(
                range(4),
                [f"x={a}{b}, y={y:g}" for (a, b), y in zip(XOR_X.astype(int), XOR_Y, strict=True)],
            )
            ax.set(xlabel="hidden unit", xticks=range(h.shape[1]))
            fig.colorbar(image, ax=ax, label="activation")
        ax.set_title(f"2-{run.hidden}-1 hidden layer (seed #{run.seed_index})")
    return fig


def plot_xor_losses(runs: list[XorRun]) -> Figure:
    """Training loss of every run, solved runs in blue, unsolved in red, per hidden size."""
    sizes = sorted({r.hidden for r in runs})
    fig = Figure(figsize=(5 * len(sizes), 4), layout="constrained")
    for ax, size in zip(np.atleast_1d(fig.subplots(1, len(sizes))), sizes, strict=True):
        for run in (r for r in runs if r.hidden == size):
            ax.plot(run.losses, color="tab:blue" if run.solved else "tab:red", lw=0.8)
        ax.set(
            title=f"2-{size}-1 (blue solved, red not)", xlabel="epoch", ylabel="BCE", yscale="log"
        )
    return fig

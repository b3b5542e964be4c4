"""Figures for learning-rate regimes, momentum trajectories and softmax temperature."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_lab.fundamentals.surfaces import Surface, Trajectory


def plot_learning_rates(trajectories: dict[float, Trajectory], regimes: dict[float, str]) -> Figure:
    """w and loss per iteration on a (w - c)^2 for each learning rate."""
    fig = Figure(figsize=(11, 4), layout="constrained")
    ax_w, ax_l = fig.subplots(1, 2)
    styles = ["-", "--", ":", "-."]
    for i, (lr, traj) in enumerate(trajectories.items()):
        style = {
            "ls": styles[i % len(styles)],
            "marker": ".",
            "ms": 3,
            "label": f"lr={lr:g} ({regimes[lr]})",
        }
        ax_w.plot(traj.w[:, 0], **style)
        ax_l.plot(np.maximum(traj.loss, 1e-300), **style)
    ax_w.set(xlabel="iteration", ylabel="w", title="Iterates", ylim=(-10, 16))
    ax_l.set(
        xlabel="iteration",
        ylabel="loss",
        yscale="log",
        ylim=(1e-16, 1e4),
        title="Loss: rate |1 - 2 a lr| per step (0.1 and 0.9 coincide)",
    )
    ax_w.legend(fontsize=8)
    return fig


def _contours(ax, surface: Surface, paths: list[np.ndarray]) -> None:
    points = np.vstack(paths)
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = 0.15 * np.maximum(hi - lo, 1e-3)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], 200)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], 200)
    xx, yy = np.meshgrid(xs, ys)
    zz = np.vectorize(lambda a, b: surface.f(np.array([a, b])))(xx, yy)
    ax.contour(xx, yy, np.log1p(zz), levels=25, cmap="Greys", linewidths=0.6)
    ax.plot(*surface.minimum, marker="*", color="gold", ms=14, mec="black")


def plot_momentum(
    results: dict[str, dict[str, Trajectory]], surfaces: dict[str, Surface]
) -> Figure:
    """Per surface: trajectories over the contours, and distance to the minimum per step."""
    fig = Figure(figsize=(11, 4.2 * len(results)), layout="constrained")
    axes = np.atleast_2d(fig.subplots(len(results), 2))
    for (name, runs), (ax_t, ax_d) in zip(results.items(), axes, strict=True):
        _contours(ax_t, surfaces[name], [t.w for t in runs.values() if not t.diverged])
        for label, traj in runs.items():
            if not traj.diverged:
                ax_t.plot(traj.w[:, 0], traj.w[:, 1], marker=".", ms=2, lw=0.8, label=label)
            ax_d.plot(np.arange(1, len(traj.distance) + 1), traj.distance, lw=1, label=label)
        ax_t.set(title=f"{name}: trajectories", xlabel="w1", ylabel="w2")
        ax_d.set(
            title=f"{name}: distance to minimum",
            xlabel="step + 1",
            ylabel="||w - w*||",
            yscale="log",
            xscale="log",
            ylim=(None, 1e3),
        )
        ax_t.legend(fontsize=7)
    return fig


def plot_softmax(table: pd.DataFrame) -> Figure:
    """Class probabilities against temperature, with the entropy."""
    fig = Figure(figsize=(11, 4), layout="constrained")
    ax_p, ax_h = fig.subplots(1, 2)
    classes = [c for c in table.columns if c.startswith("p")]
    for column in classes:
        ax_p.plot(table["temperature"], table[column], marker="o", label=column)
    ax_p.set(xlabel="temperature T", ylabel="softmax(z / T)", xscale="log", title="Probabilities")
    ax_p.legend()
    ax_h.plot(table["temperature"], table["entropy"], marker="o")
    ax_h.axhline(np.log(len(classes)), color="grey", ls=":", label="log K (uniform)")
    ax_h.set(xlabel="temperature T", ylabel="entropy (nats)", xscale="log", title="Entropy")
    ax_h.legend()
    return fig

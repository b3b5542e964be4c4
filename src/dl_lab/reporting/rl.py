"""Figures for the RL experiments, on ``matplotlib.figure.Figure`` (no pyplot state)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_lab.rl.gridworld import ACTIONS, GridWorldEnv

# arrow (dx, dy) on an image whose row index grows downwards
_ARROW = {a: (delta[1], delta[0]) for a, (_, delta) in ACTIONS.items()}


def _annotate(ax, grid: GridWorldEnv, state: int, value: float, best: set[int]) -> None:
    """Mark a wall or terminal cell, or draw its optimal actions and value."""
    row, col = grid.cell_of(state)
    text = dict(ha="center", va="center", color="white")
    if (row, col) in grid.walls:
        ax.text(col, row, "#", **{**text, "color": "black"})
    elif grid.is_terminal((row, col)):
        label = "G" if (row, col) == grid.goal else "T"
        ax.text(col, row, f"{label}\n{grid.terminal_rewards[(row, col)]:+g}", **text)
    else:
        for action in sorted(best):
            dx, dy = _ARROW[action]
            arrow = dict(head_width=0.12, color="white", length_includes_head=True)
            ax.arrow(col, row, 0.3 * dx, 0.3 * dy, **arrow)
        ax.text(col, row + 0.38, f"{value:.1f}", fontsize=7, **text)


def draw_value_policy(
    ax, grid: GridWorldEnv, values: np.ndarray, actions: Sequence[set[int]], title: str
):
    """State values as a heatmap, every optimal action as an arrow, walls and terminals marked."""
    image = np.ma.masked_array(
        values.reshape(grid.rows, grid.cols), mask=np.zeros((grid.rows, grid.cols))
    )
    for cell in (*grid.walls, *grid.terminal_rewards):  # no value to show: grey
        image.mask[cell] = True
    ax.set_facecolor("0.55")
    mesh = ax.imshow(image, cmap="viridis")
    for state, best in enumerate(actions):
        _annotate(ax, grid, state, float(values[state]), best)
    ax.set_xticks(range(grid.cols))
    ax.set_yticks(range(grid.rows))
    ax.set_xlabel("column")
    ax.set_ylabel("row (down increases it)")
    ax.set_title(title, fontsize=9)
    return mesh


def plot_value_maps(
    grid: GridWorldEnv, panels: Sequence[tuple[str, np.ndarray, Sequence[set[int]]]]
) -> Figure:
    """One heatmap-with-arrows panel per ``(title, values, actions)``."""
    fig = Figure(figsize=(3.6 * len(panels), 0.5 + 0.75 * max(grid.rows, 4)), layout="constrained")
    for ax, (title, values, actions) in zip(
        fig.subplots(1, len(panels), squeeze=False)[0], panels, strict=True
    ):
        mesh = draw_value_policy(ax, grid, values, actions, title)
        fig.colorbar(mesh, ax=ax, shrink=0.8)
    return fig


def smoothed_curves(
    frame: pd.DataFrame, x: str, y: str, window: int, points: int = 200
) -> pd.DataFrame:
    """Per ``variant``: the rolling mean of ``y`` per seed, on a common ``x`` grid, as mean and std."""
    rows = []
    for variant, part in frame.groupby("variant", sort=False):
        per_seed = [g.sort_values(x) for _, g in part.groupby("seed")]
        end = min(g[x].max() for g in per_seed)
        grid = np.linspace(min(g[x].min() for g in per_seed), end, points)
        curves = np.stack(
            [
                np.interp(
                    grid,
                    g[x].to_numpy(float),
                    g[y].rolling(window, min_periods=1).mean().to_numpy(float),
                )
                for g in per_seed
            ]
        )  # (seeds, points)
        rows.append(
            pd.DataFrame(
                {
                    "variant": variant,
                    x: grid,
                    "mean": curves.mean(0),
                    "std": curves.std(0),
                    "seeds": len(per_seed),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def plot_return_curves(
    frame: pd.DataFrame,
    x: str,
    title: str,
    window: int = 20,
    threshold: float | None = None,
    y: str = "episode_return",
) -> Figure:
    """Mean ± std over seeds of the smoothed return, one line per variant."""
    curves = smoothed_curves(frame, x, y, window)
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.add_subplot()
    for variant, part in curves.groupby("variant", sort=False):
        ax.plot(part[x], part["mean"], label=f"{variant} (n={part['seeds'].iloc[0]})")
        ax.fill_between(part[x], part["mean"] - part["std"], part["mean"] + part["std"], alpha=0.2)
    if threshold is not None:
        ax.axhline(threshold, color="black", ls="--", lw=1, label=f"solved ({threshold:g})")
    ax.set_xlabel(x.replace("_", " "))
    ax.set_ylabel(f"{y.replace('_', ' ')} (rolling mean of {window})")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return fig


def plot_frame_strip(frames: Sequence[np.ndarray], steps: Sequence[int], title: str) -> Figure:
    """rgb_array frames side by side, each labelled with its step."""
    fig = Figure(figsize=(2.2 * len(frames), 2.0), layout="constrained")
    for ax, frame, step in zip(
        fig.subplots(1, len(frames), squeeze=False)[0], frames, steps, strict=True
    ):
        ax.imshow(frame)
        ax.set_title(f"t = {step}", fontsize=8)
        ax.axis("off")
    fig.suptitle(title)
    return fig


def plot_evaluations(table: pd.DataFrame, title: str, threshold: float | None = None) -> Figure:
    """Periodic greedy evaluations: mean return against environment steps, one line per run."""
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.add_subplot()
    for (variant, seed), part in table.groupby(["variant", "seed"], sort=False):
        ax.plot(
            part["step"], part["mean_return"], marker="o", ms=2, label=f"{variant}, seed {seed}"
        )
    if threshold is not None:
        ax.axhline(threshold, color="black", ls="--", lw=1, label=f"solved ({threshold:g})")
    ax.set_xlabel("env steps")
    ax.set_ylabel("greedy mean return")
    ax.set_title(title)
    ax.legend(fontsize=7)
    return fig


def _mean_std_by_update(ax, part: pd.DataFrame, column: str, label: str) -> None:
    """``column``'s mean +- std over seeds at each policy update, as one line of ``ax``."""
    stats = part.groupby("update")[column].agg(["mean", "std"]).reset_index()
    ax.errorbar(
        stats["update"],
        stats["mean"],
        yerr=stats["std"].fillna(0),
        marker="o",
        ms=3,
        capsize=2,
        label=label,
    )


def plot_gradient_variance(table: pd.DataFrame, title: str) -> Figure:
    """Per-episode gradient variance of both estimators, and their ratio, against the update.

    Left: the trace of the covariance of the single-episode gradient estimate. Right: its
    value without the baseline divided by its value with it (> 1: the baseline helps).
    Mean ± std over seeds; each panel has one line per trained variant.
    """
    fig = Figure(figsize=(11, 4), layout="constrained")
    left, right = fig.subplots(1, 2)
    for (variant, estimator), part in table.groupby(["variant", "estimator"], sort=False):
        _mean_std_by_update(
            left, part, "grad_variance", f"trained {variant}: psi = {_PSI[estimator]}"
        )
    wide = table.pivot_table(
        index=["variant", "seed", "update"], columns="estimator", values="grad_variance"
    )
    ratio = (wide["no_baseline"] / wide["baseline"]).rename("ratio").reset_index()
    for variant, part in ratio.groupby("variant", sort=False):
        _mean_std_by_update(right, part, "ratio", f"trained {variant}")
    right.axhline(1.0, color="black", ls="--", lw=1)
    left.set_yscale("log")
    left.set_ylabel("trace of gradient covariance (one episode)")
    right.set_ylabel("variance without baseline / with baseline")
    for ax in (left, right):
        ax.set_xlabel("policy update")
        ax.legend(fontsize=8)
    fig.suptitle(title)
    return fig


_PSI = {"no_baseline": "G_t", "baseline": "G_t - V(s_t)"}

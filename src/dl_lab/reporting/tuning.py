"""Study figures from the result tables, on ``matplotlib.figure.Figure`` (no pyplot state)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

STATE_STYLE = {"COMPLETE": ("tab:blue", "-"), "PRUNED": ("tab:red", ":"), "FAIL": ("grey", "--")}


def plot_optimization_history(trials: pd.DataFrame, title: str = "") -> Figure:
    """Objective value per trial (pruned ones at their last reported value) and the best so far."""
    fig = Figure(figsize=(8, 4), layout="constrained")
    ax = fig.add_subplot()
    for state, (color, _) in STATE_STYLE.items():
        part = trials[(trials["state"] == state) & trials["value"].notna()]
        if not part.empty:
            ax.scatter(part["number"], part["value"], color=color, s=18, label=state.lower())
    complete = trials[trials["state"] == "COMPLETE"].sort_values("number")
    if not complete.empty:
        ax.step(
            complete["number"],
            complete["value"].cummax(),
            where="post",
            color="black",
            lw=1.2,
            label="best so far",
        )
    ax.set_xlabel("trial")
    ax.set_ylabel("validation accuracy")
    ax.set_title(title or "Optimization history")
    ax.legend(loc="lower right")
    return fig


def plot_param_importances(importances: pd.DataFrame, title: str = "") -> Figure:
    """Horizontal bars of fANOVA importance, largest on top."""
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.add_subplot()
    if importances.empty:
        ax.text(
            0.5,
            0.5,
            "fewer than 2 complete trials:\nno importances",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
    else:
        ordered = importances.sort_values("importance")
        ax.barh(ordered["param"], ordered["importance"], color="tab:blue")
        ax.set_xlabel("importance (fANOVA, sums to 1)")
    ax.set_title(title or "Hyperparameter importances")
    return fig


def plot_intermediate_values(intermediate: pd.DataFrame, title: str = "") -> Figure:
    """Validation accuracy per epoch of every trial; pruned trials dotted, failed dashed."""
    fig = Figure(figsize=(8, 4), layout="constrained")
    ax = fig.add_subplot()
    seen: set[str] = set()
    for (_, state), part in intermediate.groupby(["trial", "state"], sort=True):
        color, style = STATE_STYLE.get(state, ("black", "-"))
        label = state.lower() if state not in seen else None
        seen.add(state)
        ax.plot(
            part["epoch"],
            part["value"],
            color=color,
            ls=style,
            marker="o",
            ms=3,
            lw=1,
            alpha=0.8,
            label=label,
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation accuracy")
    ax.set_title(title or "Intermediate values (what the pruner saw)")
    if seen:
        ax.legend(loc="lower right")
    return fig

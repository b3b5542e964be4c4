"""Bias-variance, capacity and classical-vs-deep figures."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

PARTS = (("bias2", "bias²"), ("variance", "variance"), ("noise", "noise σ²"),
         ("expected_test_mse", "measured test MSE"))  # fmt: skip


def plot_bias_variance(tables: dict[str, pd.DataFrame]) -> Figure:
    """bias², variance, noise and the measured expected test MSE vs complexity, per family."""
    fig = Figure(figsize=(6 * len(tables), 4.2), layout="constrained")
    for ax, (title, table) in zip(
        fig.subplots(1, len(tables), squeeze=False)[0], tables.items(), strict=True
    ):
        x = range(len(table))
        for column, label in PARTS:
            ax.plot(x, table[column], "o-", ms=3, label=label)
        best = int(table["expected_test_mse"].to_numpy().argmin())
        ax.axvline(best, color="grey", ls=":", label=f"minimum: {table['complexity'].iloc[best]}")
        ax.set_xticks(list(x), [str(c) for c in table["complexity"]])
        ax.set_yscale("log")
        ax.set(xlabel=title, ylabel="error", title=f"Bias-variance vs {title}")
        ax.legend(fontsize=7)
    return fig


def plot_zero_one(table: pd.DataFrame) -> Figure:
    """0-1 loss, bias and (net) variance per model (Domingos' decomposition)."""
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.add_subplot()
    for column in ("loss", "bias", "variance", "net_variance"):
        ax.plot(table["model"], table[column], "o-", label=column)
    ax.set(xlabel="model", ylabel="rate", title="0-1 loss decomposition across depth")
    ax.legend()
    return fig


def plot_capacity(table: pd.DataFrame) -> Figure:
    """Train and validation accuracy against parameter count, per sweep."""
    fig = Figure(figsize=(12, 4.2), layout="constrained")
    for ax, (sweep, part) in zip(fig.subplots(1, table["sweep"].nunique(), squeeze=False)[0],
                                 table.groupby("sweep", sort=False), strict=True):  # fmt: skip
        ax.semilogx(part["params"], part["train_acc"], "o-", label="train")
        ax.semilogx(part["params"], part["val_acc"], "s--", label="val")
        for _, row in part.iterrows():
            ax.annotate(str(row["variant"]), (row["params"], row["val_acc"]), fontsize=6)
        ax.set(xlabel="parameters", ylabel="accuracy", title=str(sweep))
        ax.legend(fontsize=7)
    return fig


def plot_classical(table: pd.DataFrame) -> Figure:
    """Test accuracy and training time against training-set size for every model/features."""
    fig = Figure(figsize=(13, 4.5), layout="constrained")
    acc_ax, time_ax = fig.subplots(1, 2)
    models = list(dict.fromkeys(table["model"]))
    colours = {m: f"C{i % 10}" for i, m in enumerate(models)}  # one colour per model
    styles = {"learned": "-", "hog": "--", "pixels": ":"}  # one line style per features
    for (model, features), part in table.groupby(["model", "features"], sort=False):
        style = dict(ls=styles.get(features, "-."), color=colours[model], marker="o", ms=3,
                     lw=2.5 if features == "learned" else 1.2)  # fmt: skip
        acc_ax.semilogx(
            part["train_size"], part["test_acc"], label=f"{model} ({features})", **style
        )
        time_ax.loglog(part["train_size"], part["train_time_s"], **style)
    acc_ax.set(xlabel="training images", ylabel="test accuracy", title="accuracy vs data size")
    time_ax.set(xlabel="training images", ylabel="training time (s)", title="training cost")
    acc_ax.legend(fontsize=6, ncol=2)
    return fig


def plot_learning_curves_by_size(table: pd.DataFrame) -> Figure:
    """Train and test accuracy of the deep models against training-set size."""
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.add_subplot()
    for model, part in table[table["family"] == "deep"].groupby("model", sort=False):
        ax.semilogx(part["train_size"], part["train_acc"], "o-", label=f"{model} train")
        ax.semilogx(part["train_size"], part["test_acc"], "s--", label=f"{model} test")
    ax.set(
        xlabel="training images", ylabel="accuracy", title="Learning curves vs training-set size"
    )
    ax.legend()
    return fig

"""Figures shared by the pipelines. Built on ``matplotlib.figure.Figure`` (no pyplot state)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def plot_class_balance(table: pd.DataFrame) -> Figure:
    """Grouped bars: class proportion per split, with the full-data proportion as a line."""
    fig = Figure(figsize=(8, 4), layout="constrained")
    ax = fig.add_subplot()
    splits = list(dict.fromkeys(table["split"]))
    classes = list(dict.fromkeys(table["class"]))
    width = 0.8 / len(splits)
    x = np.arange(len(classes))
    for i, split in enumerate(splits):
        part = table[table["split"] == split].set_index("class").loc[classes]
        ax.bar(x + i * width, part["proportion"], width, label=split)
    overall = table.drop_duplicates("class").set_index("class").loc[classes, "overall_proportion"]
    ax.step(x + 0.4 - width / 2, overall, where="mid", color="black", lw=1, label="all data")
    ax.set_xticks(x + 0.4 - width / 2, classes)
    ax.set_xlabel("class")
    ax.set_ylabel("proportion")
    ax.set_title("Class balance per split")
    ax.legend()
    return fig


def plot_learning_curves(
    history: pd.DataFrame, title: str = "", best_epoch: int | None = None
) -> Figure:
    """Train and validation loss and accuracy per epoch; the best epoch marked."""
    fig = Figure(figsize=(10, 4), layout="constrained")
    for ax, metric in zip(fig.subplots(1, 2), ("loss", "acc"), strict=True):
        for split in ("train", "val"):
            column = f"{split}_{metric}"
            if column in history:
                ax.plot(history["epoch"], history[column], marker="o", ms=3, label=split)
        if best_epoch is not None:
            ax.axvline(best_epoch, color="grey", ls="--", lw=1, label=f"best epoch {best_epoch}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.legend()
    fig.suptitle(title or "Learning curves")
    return fig


def plot_confusion_matrix(confusion: np.ndarray, classes: list[str], title: str = "") -> Figure:
    """Counts with true classes as rows, predictions as columns."""
    fig = Figure(figsize=(6, 5.5), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(confusion, cmap="Blues")
    ticks = np.arange(len(classes))
    ax.set_xticks(ticks, classes)
    ax.set_yticks(ticks, classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    threshold = confusion.max() / 2
    for (i, j), count in np.ndenumerate(confusion):
        ax.text(
            j,
            i,
            int(count),
            ha="center",
            va="center",
            fontsize=7,
            color="white" if count > threshold else "black",
        )
    fig.colorbar(image, ax=ax)
    ax.set_title(title or "Confusion matrix (test split)")
    return fig

"""Fit diagnosis and early-stopping figures."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from dl_lab.evaluation.fit import FitDiagnosis

LABEL_COLOURS = {
    "overfitting": "tab:red", "underfitting": "tab:purple", "good_fit": "tab:green",
    "still_improving": "tab:blue", "diverged": "black",
}  # fmt: skip


def plot_fit_panels(
    histories: dict[str, pd.DataFrame], diagnoses: dict[str, FitDiagnosis]
) -> Figure:
    """One row per run: loss and accuracy curves, the val-loss minimum, the diagnosis."""
    fig = Figure(figsize=(11, 2.8 * len(histories)), layout="constrained")
    axes = fig.subplots(len(histories), 2, squeeze=False)
    for (name, history), row in zip(histories.items(), axes, strict=True):
        diagnosis = diagnoses[name]
        colour = LABEL_COLOURS.get(diagnosis.label, "grey")
        for ax, metric in zip(row, ("loss", "acc"), strict=True):
            for split, style in (("train", "-"), ("val", "--")):
                column = f"{split}_{metric}"
                if column in history:
                    ax.plot(history["epoch"], history[column], style, label=split)
            if "best_val_epoch" in diagnosis.evidence:
                ax.axvline(diagnosis.evidence["best_val_epoch"], color="grey", ls=":", lw=1)
            ax.set_xlabel("epoch")
            ax.set_ylabel(metric)
            ax.legend(fontsize=7)
        row[0].set_title(f"{name}: {diagnosis.label}", color=colour, fontsize=10, loc="left")
        row[1].set_title(diagnosis.reason, fontsize=7, loc="left")
    return fig


def plot_early_stopping(
    scripted: pd.DataFrame, real: pd.DataFrame, real_best: int, real_stop: int, title: str
) -> Figure:
    """Scripted val loss with best and stop epochs (left), a real run's curves (right)."""
    fig = Figure(figsize=(11, 4), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.plot(scripted["epoch"], scripted["monitored"], "o-", label="val loss (scripted)")
    best = int(scripted["best_epoch"].iloc[-1])
    stop = int(scripted["epoch"].iloc[-1])
    left.axvline(best, color="tab:green", ls="--", label=f"best epoch {best} (restored)")
    left.axvline(stop, color="tab:red", ls=":", label=f"stopped after epoch {stop}")
    left.set_title("Course 1.16 sequence, patience 3")
    for split in ("train", "val"):
        right.plot(real["epoch"], real[f"{split}_loss"], "o-", ms=3, label=f"{split} loss")
    right.axvline(real_best, color="tab:green", ls="--", label=f"best epoch {real_best}")
    right.axvline(real_stop, color="tab:red", ls=":", label=f"stopped after epoch {real_stop}")
    right.set_title(title, fontsize=9)
    for ax in (left, right):
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        ax.legend(fontsize=8)
    return fig

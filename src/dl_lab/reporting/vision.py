"""Figures comparing the vision study's variants. ``matplotlib.figure.Figure``, no pyplot.

Inputs are tidy tables: one row per variant and seed (``comparison``), its mean/std
summary (``summary``), per-epoch histories and weight histograms with the identity
columns ``study``, ``variant``, ``seed``, ``architecture``, ``regularizer``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

COSTS = (("params", "parameters", True), ("flops", "FLOPs per sample", True))
TIME = ("epoch_time_s", "seconds per epoch (median)", False)


def _axes(n: int, width: float = 5.0, height: float = 4.0, cols: int = 3):
    cols = min(cols, max(n, 1))
    rows = -(-max(n, 1) // cols)
    fig = Figure(figsize=(width * cols, height * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False).ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes


def plot_accuracy_vs_cost(summary: pd.DataFrame) -> Figure:
    """Test accuracy (mean ± std over seeds) against parameters, FLOPs and epoch time."""
    fig, axes = _axes(3)
    studies = list(dict.fromkeys(summary["study"]))
    for ax, (column, label, log) in zip(axes, (*COSTS, TIME), strict=True):
        for study in studies:
            part = summary[summary["study"] == study]
            ax.errorbar(
                part[f"{column}_mean"],
                part["test_acc_mean"],
                yerr=part["test_acc_std"].fillna(0),
                fmt="o",
                ms=4,
                capsize=2,
                label=study,
            )
            for _, row in part.iterrows():
                ax.annotate(
                    row["variant"], (row[f"{column}_mean"], row["test_acc_mean"]), fontsize=6
                )
        ax.set_xscale("log" if log else "linear")
        ax.set_xlabel(label)
        ax.set_ylabel("test accuracy")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle("Test accuracy against cost (mean ± std over seeds)")
    return fig


def _panels(table: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """One panel per study, split by architecture where a study compares regularizers."""
    panels = []
    for study, part in table.groupby("study", sort=False):
        per_arch = part.groupby("architecture")["variant"].nunique()
        if len(per_arch) > 1 and per_arch.min() > 2:
            panels += [(f"{study}: {a}", p) for a, p in part.groupby("architecture", sort=False)]
        else:
            panels.append((str(study), part))
    return panels


def plot_learning_curves_overlay(histories: pd.DataFrame) -> Figure:
    """Train (dashed) and validation (solid) accuracy per epoch, mean over seeds, per variant."""
    panels = _panels(histories)
    fig, axes = _axes(len(panels), width=6.0)
    for ax, (title, part) in zip(axes, panels, strict=False):
        curves = part.groupby(["variant", "epoch"], sort=False)[["train_acc", "val_acc"]].mean()
        colors = iter(_colors(part["variant"].nunique()))
        for variant, curve in curves.groupby(level="variant", sort=False):
            epochs = curve.index.get_level_values("epoch")
            color = next(colors)
            ax.plot(epochs, curve["val_acc"], color=color, lw=1.5, label=variant)
            ax.plot(epochs, curve["train_acc"], color=color, lw=1, ls="--")
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy (solid: val, dashed: train)")
        ax.legend(fontsize=6, ncol=2)
        ax.grid(alpha=0.3)
    fig.suptitle("Learning curves")
    return fig


def _colors(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab20" if n > 10 else "tab10"]
    return [cmap(i % cmap.N) for i in range(max(n, 1))]


def plot_seed_boxplots(comparison: pd.DataFrame, metric: str = "test_acc") -> Figure:
    """``metric`` across seeds for every variant run with more than one seed, per study."""
    counts = comparison.groupby(["study", "variant"])["seed"].transform("nunique")
    multi = comparison[counts > 1]
    studies = list(dict.fromkeys(multi["study"]))
    fig, axes = _axes(len(studies), width=6.0)
    for ax, study in zip(axes, studies, strict=False):
        part = multi[multi["study"] == study]
        variants = list(dict.fromkeys(part["variant"]))
        values = [part.loc[part["variant"] == v, metric].to_numpy() for v in variants]
        ax.boxplot(values, tick_labels=variants, showmeans=True)
        for i, vals in enumerate(values, start=1):
            ax.scatter(np.full(len(vals), i), vals, s=10, color="black", zorder=3)
        ax.set_title(f"{study} ({part['seed'].nunique()} seeds)")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
    if not studies:
        axes[0].set_visible(True)
        axes[0].text(0.5, 0.5, "no variant has more than one seed", ha="center", va="center")
    fig.suptitle(f"{metric} across seeds")
    return fig


def plot_weight_histograms(
    histograms: pd.DataFrame, comparison: pd.DataFrame, threshold: float
) -> Figure:
    """log10|w| histograms per architecture, one line per regularizer, near-zero share in legend.

    ``histograms`` holds the variants to compare (e.g. none, l1, l2 of one study); counts are
    summed over seeds and shown as fractions of all weights.
    """
    architectures = list(dict.fromkeys(histograms["architecture"]))
    fig, axes = _axes(len(architectures), width=6.0)
    near_zero = comparison.groupby(["architecture", "regularizer"])["near_zero_fraction"].mean()
    for ax, arch in zip(axes, architectures, strict=False):
        part = histograms[histograms["architecture"] == arch]
        for regularizer, group in part.groupby("regularizer", sort=False):
            bins = group.groupby(["bin_left", "bin_right"])["count"].sum().reset_index()
            share = bins["count"] / bins["count"].sum()
            fraction = near_zero.get((arch, regularizer), float("nan"))
            label = f"{regularizer}: {fraction:.1%} with |w| < {threshold:g}"
            ax.stairs(share, np.r_[bins["bin_left"], bins["bin_right"].iloc[-1]], label=label)
        ax.axvline(np.log10(threshold), color="grey", ls=":", lw=1)
        ax.set_title(arch)
        ax.set_xlabel("log10 |w|  (weights of linear and conv layers)")
        ax.set_ylabel("fraction of weights")
        ax.legend(fontsize=7)
    fig.suptitle("Weight magnitudes by regularizer")
    return fig


def plot_gap_per_regularizer(summary: pd.DataFrame, gap: str = "train_val_gap_eval") -> Figure:
    """Train-validation accuracy gap (mean ± std over seeds) per regularizer and architecture."""
    architectures = list(dict.fromkeys(summary["architecture"]))
    regularizers = list(dict.fromkeys(summary["regularizer"]))
    fig = Figure(figsize=(max(8.0, 0.8 * len(regularizers) * len(architectures)), 4.5))
    fig.set_layout_engine("constrained")
    ax = fig.add_subplot()
    width = 0.8 / max(len(architectures), 1)
    x = np.arange(len(regularizers))
    for i, arch in enumerate(architectures):
        part = summary[summary["architecture"] == arch].set_index("regularizer")
        part = part.reindex(regularizers)
        ax.bar(
            x + i * width,
            part[f"{gap}_mean"],
            width,
            yerr=part[f"{gap}_std"].fillna(0),
            capsize=2,
            label=arch,
        )
    ax.set_xticks(x + width * (len(architectures) - 1) / 2, regularizers, rotation=30, ha="right")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_ylabel("train acc - val acc (eval mode, tested weights)")
    seeds = sorted({int(n) for n in summary["n_seeds"]})
    ax.set_title(f"Train-validation gap per regularizer ({'/'.join(map(str, seeds))} seed(s))")
    ax.legend()
    return fig

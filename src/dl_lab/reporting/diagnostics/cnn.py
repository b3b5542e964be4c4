"""CNN arithmetic and behaviour figures."""

from __future__ import annotations

import pandas as pd
import torch
from matplotlib.figure import Figure


def plot_receptive_fields(table: pd.DataFrame) -> Figure:
    """Receptive field per layer for each stack (conv-only vs interleaved pooling, ...)."""
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.add_subplot()
    for stack, part in table.groupby("stack", sort=False):
        ax.plot(range(1, len(part) + 1), part["receptive_field"], "o-", label=str(stack))
    ax.set_xlabel("layer")
    ax.set_ylabel("receptive field (input pixels)")
    ax.set_title("Receptive-field growth (formula, checked by autograd)")
    ax.legend()
    return fig


def plot_stride_padding(table: pd.DataFrame) -> Figure:
    """Output size, multiply-accumulates and forward time per padding x stride."""
    fig = Figure(figsize=(12, 3.6), layout="constrained")
    labels = [f"{p}/s{s}" for p, s in zip(table["padding"], table["stride"], strict=True)]
    columns = ("output_size", "macs_formula", "forward_ms_per_batch")
    for ax, column in zip(fig.subplots(1, 3), columns, strict=True):
        ax.bar(labels, table[column])
        ax.set_title(column, fontsize=9)
        ax.tick_params(axis="x", rotation=45)
    fig.suptitle("One 5x5 convolution on 28x28: padding / stride")
    return fig


def plot_shift_accuracy(curves: pd.DataFrame) -> Figure:
    """Accuracy vs shift in pixels, one line per downsampling variant."""
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.add_subplot()
    for variant, part in curves.groupby("variant", sort=False):
        ax.plot(part["shift_px"], part["accuracy"], "o-", label=str(variant))
    ax.set_xlabel("shift (pixels, mean of 4 directions)")
    ax.set_ylabel("validation accuracy")
    ax.set_title("Pooling and translation tolerance")
    ax.legend(title="downsampling")
    return fig


def plot_feature_maps(views: dict[str, torch.Tensor], images: torch.Tensor, title: str) -> Figure:
    """First-layer filters, then per image: input, maps before and after ReLU."""
    filters, pre, post = views["filters"], views["pre_relu"], views["post_relu"]
    channels = min(filters.shape[0], 6)
    rows = 1 + 2 * len(images)
    fig = Figure(figsize=(1.5 * (channels + 1), 1.5 * rows), layout="constrained")
    axes = fig.subplots(rows, channels + 1, squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    axes[0, 0].text(0.5, 0.5, "filters", ha="center", va="center")
    for c in range(channels):
        axes[0, c + 1].imshow(filters[c], cmap="RdBu_r")
    for i, image in enumerate(images):
        for r, (maps, name) in enumerate(((pre, "before ReLU"), (post, "after ReLU"))):
            row = 1 + 2 * i + r
            axes[row, 0].imshow(image[0], cmap="gray")
            axes[row, 0].set_title(name, fontsize=7)
            for c in range(channels):
                axes[row, c + 1].imshow(maps[i, c], cmap="viridis")
    fig.suptitle(title)
    return fig


def plot_normalization(histories: pd.DataFrame) -> Figure:
    """Training loss per epoch for no norm / LRN / BN, one panel per learning rate."""
    lrs = sorted(histories["lr"].unique())
    fig = Figure(figsize=(5 * len(lrs), 4), layout="constrained")
    for ax, lr in zip(fig.subplots(1, len(lrs), squeeze=False)[0], lrs, strict=True):
        for norm, part in histories[histories["lr"] == lr].groupby("norm", sort=False):
            ax.plot(part["epoch"], part["train_loss"], "o-", label=str(norm))
        ax.set_title(f"SGD lr {lr:g}")
        ax.set_xlabel("epoch")
        ax.set_ylabel("train loss")
        ax.legend()
    fig.suptitle("LRN vs batch norm: training stability")
    return fig

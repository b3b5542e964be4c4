"""CNN behaviour (course 2.22, 3.7, 3.9, 3.16, 3.17, 3.22, 3.25): pooling and shift
invariance, feature maps before and after ReLU, LRN vs batch norm.

Pooling gives *local* translation tolerance (a shift smaller than the window can leave a
max unchanged), not scale or rotation invariance, which the course overclaims.
``shifted_accuracy`` measures it: the trained network on the evaluation images moved by
``s`` pixels (zero fill), averaged over the four directions.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import torch
from torch import nn

from dl_lab.diagnostics.complexity import cnn_factory, train_variant
from dl_lab.evaluation.fit import FitThresholds
from dl_lab.training.loops import LoopConfig, Splits, evaluate


def shift(images: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """Translate (N, C, H, W) images by (dy, dx) pixels; vacated pixels take the minimum."""
    out = torch.full_like(images, float(images.min()))  # the background of standardized digits
    h, w = images.shape[-2:]
    ys, yd = (slice(0, h - dy), slice(dy, h)) if dy >= 0 else (slice(-dy, h), slice(0, h + dy))
    xs, xd = (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w), slice(0, w + dx))
    out[..., yd, xd] = images[..., ys, xs]
    return out


def shifted_accuracy(model: nn.Module, splits: Splits, shifts: list[int]) -> list[float]:
    """Accuracy on the evaluation split shifted by each amount (mean of up/down/left/right)."""
    accuracies = []
    for s in shifts:
        moves = [(0, 0)] if s == 0 else [(s, 0), (-s, 0), (0, s), (0, -s)]
        accs = [evaluate(model, shift(splits.x_eval, dy, dx), splits.y_eval)[1] for dy, dx in moves]
        accuracies.append(sum(accs) / len(accs))
    return accuracies


def pooling_invariance(
    variants: dict[str, dict[str, Any]], splits: Splits, cfg: LoopConfig, shifts: list[int],
    seed: int, thresholds: FitThresholds,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, nn.Module]]:  # fmt: skip
    """Train a ``SmallCNN`` per variant (its options, e.g. ``downsample``); per-shift accuracy."""
    rows, curves, models = [], [], {}
    for name, options in variants.items():
        options = dict(options)
        channels = tuple(options.pop("channels", (8, 16)))
        factory = cnn_factory(splits, channels, **options)
        row, _, model = train_variant(name, factory, splits, cfg, seed, thresholds)
        accs = shifted_accuracy(model, splits, shifts)
        curves += [
            {"variant": name, "shift_px": s, "accuracy": a}
            for s, a in zip(shifts, accs, strict=True)
        ]
        rows.append({**row, **options, "accuracy_drop_at_max_shift": accs[0] - accs[-1]})
        models[name] = model
    return pd.DataFrame(rows), pd.DataFrame(curves), models


@torch.no_grad()
def first_layer_views(model: nn.Module, images: torch.Tensor) -> dict[str, torch.Tensor]:
    """First conv's filters (C, k, k) and its feature maps before and after the ReLU."""
    block = model.features[0]
    conv = block[0]
    relu_at = next(i for i, m in enumerate(block) if isinstance(m, nn.ReLU))
    model.eval()
    pre = block[:relu_at](images)  # conv (+ BN when present), (N, C, H', W')
    return {"filters": conv.weight[:, 0].clone(), "pre_relu": pre, "post_relu": torch.relu(pre)}


@torch.no_grad()
def relu_sparsity(model: nn.Module, images: torch.Tensor) -> pd.DataFrame:
    """Per conv block: fraction of feature-map values that are 0 after the ReLU, and map size."""
    model.eval()
    rows, h = [], images
    for index, block in enumerate(model.features, start=1):
        for module in block:
            h = module(h)
            if isinstance(module, nn.ReLU):
                rows.append(
                    {"block": index, "zero_fraction": float((h == 0).float().mean()),
                     "channels": h.shape[1], "height": h.shape[2], "width": h.shape[3]}
                )  # fmt: skip
    return pd.DataFrame(rows)


def normalization_stability(
    norms: list[str], lrs: list[float], splits: Splits, cfg: LoopConfig, seed: int,
    thresholds: FitThresholds, channels: tuple[int, ...] = (8, 16),
) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """The same CNN with no norm / LRN / batch norm, trained with SGD at each learning rate."""
    rows, histories = [], []
    for norm in norms:
        for lr in lrs:
            name = f"{norm}_lr{lr:g}"
            run_cfg = LoopConfig(**{**cfg.__dict__, "lr": lr})
            factory = cnn_factory(splits, channels, norm=norm)
            row, history, _ = train_variant(name, factory, splits, run_cfg, seed, thresholds)
            loss = history["train_loss"]
            rows.append({**row, "norm": norm, "lr": lr,
                         "final_train_loss": float(loss.iloc[-1]),
                         "train_loss_std_over_epochs": float(loss.std())})  # fmt: skip
            histories.append(history.assign(norm=norm, lr=lr))
    return pd.DataFrame(rows), pd.concat(histories, ignore_index=True)

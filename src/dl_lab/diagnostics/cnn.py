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
from dl_lab.diagnostics.jobs import SEED, with_seed
from dl_lab.evaluation.fit import FitThresholds
from dl_lab.parallel import run_points
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


def pooling_point(
    name: str, options: dict[str, Any], splits: Splits, cfg: LoopConfig, shifts: list[int],
    seed: int, thresholds: FitThresholds, maps: bool = False, shown: torch.Tensor | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]], pd.DataFrame | None, dict[str, torch.Tensor] | None]:  # fmt: skip
    """One job: a ``SmallCNN`` with ``options`` (e.g. ``downsample``) trained on one seed; its
    row, its accuracy per shift, its ReLU sparsity on the evaluation split (``maps``), and
    the first layer's filters and maps of the ``shown`` images (None: not asked)."""
    options = dict(options)
    channels = tuple(options.pop("channels", (8, 16)))
    factory = cnn_factory(splits, channels, **options)
    row, _, model = train_variant(name, factory, splits, cfg, seed, thresholds)
    accs = shifted_accuracy(model, splits, shifts)
    curves = [{"variant": name, "shift_px": s, "accuracy": a}
              for s, a in zip(shifts, accs, strict=True)]  # fmt: skip
    row = {**row, **options, "accuracy_drop_at_max_shift": accs[0] - accs[-1]}
    views = None if shown is None else first_layer_views(model, shown)
    sparsity = relu_sparsity(model, splits.x_eval) if maps else None
    return row, curves, sparsity, views


def pooling_invariance(
    variants: dict[str, dict[str, Any]], splits: dict[int, Splits], cfg: LoopConfig,
    shifts: list[int], thresholds: FitThresholds, shown: torch.Tensor | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, torch.Tensor] | None]:  # fmt: skip
    """Every variant on every seed of ``splits`` (one job each): rows, per-shift accuracy,
    the first variant's ReLU sparsity per conv block (each with a ``seed`` column), and its
    first-layer views of the ``shown`` images on the first seed."""
    points = [(seed, name) for seed in splits for name in variants]
    first = points[0]
    jobs = [{"name": name, "options": variants[name], "splits": splits[seed], "cfg": cfg,
             "shifts": shifts, "seed": seed, "thresholds": thresholds, "maps": name == first[1],
             "shown": shown if (seed, name) == first else None} for seed, name in points]  # fmt: skip
    results = run_points(pooling_point, jobs)
    rows, curves, sparsity = [], [], []
    for (seed, _), (row, curve, zeros, _) in zip(points, results, strict=True):
        rows.append({SEED: seed, **row})
        curves += [{SEED: seed, **point} for point in curve]
        if zeros is not None:
            sparsity.append(with_seed(zeros, seed))
    return (
        pd.DataFrame(rows),
        pd.DataFrame(curves),
        pd.concat(sparsity, ignore_index=True),
        results[0][3],
    )


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


def normalization_point(
    norm: str, lr: float, splits: Splits, cfg: LoopConfig, seed: int, thresholds: FitThresholds,
    channels: tuple[int, ...] = (8, 16),
) -> tuple[dict[str, Any], pd.DataFrame]:  # fmt: skip
    """One job: the CNN with ``norm`` trained with SGD at ``lr`` on one seed; row, history."""
    name = f"{norm}_lr{lr:g}"
    run_cfg = LoopConfig(**{**cfg.__dict__, "lr": lr})
    factory = cnn_factory(splits, channels, norm=norm)
    row, history, _ = train_variant(name, factory, splits, run_cfg, seed, thresholds)
    loss = history["train_loss"]
    row = {**row, "norm": norm, "lr": lr, "final_train_loss": float(loss.iloc[-1]),
           "train_loss_std_over_epochs": float(loss.std())}  # fmt: skip
    return row, history.assign(norm=norm, lr=lr)


def normalization_stability(
    norms: list[str], lrs: list[float], splits: dict[int, Splits], cfg: LoopConfig,
    thresholds: FitThresholds, channels: tuple[int, ...] = (8, 16),
) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """The same CNN with no norm / LRN / batch norm, trained with SGD at each learning rate
    on each seed of ``splits`` (one job each); rows and histories with a ``seed`` column."""
    points = [(seed, norm, lr) for seed in splits for norm in norms for lr in lrs]
    jobs = [{"norm": norm, "lr": lr, "splits": splits[seed], "cfg": cfg, "seed": seed,
             "thresholds": thresholds, "channels": channels} for seed, norm, lr in points]  # fmt: skip
    results = run_points(normalization_point, jobs)
    rows = [{SEED: p[0], **row} for p, (row, _) in zip(points, results, strict=True)]
    histories = [with_seed(h, p[0]) for p, (_, h) in zip(points, results, strict=True)]
    return pd.DataFrame(rows), pd.concat(histories, ignore_index=True)

"""Hyperparameters vs convergence (course 1.22, 2.8, 2.18, 2.23, 2.25).

* ``learning_rate_sweep``: every rate of every optimizer trained on every seed, and
  ``classify_lr_outcomes``: each rate of a sweep is ``diverged`` (the loop's guard fired),
  ``too_small`` / ``too_large`` (final validation loss clearly worse than the best rate's,
  on either side of it) or ``good``.
* ``quadratic_trajectories``: optimizers from ``torch.optim`` on the ill-conditioned
  quadratic ``f(w) = (a w1^2 + b w2^2) / 2``: plain gradient descent zig-zags along the
  steep axis and crawls along the flat one; momentum damps the zig-zag (Polyak, 1964;
  Sutskever et al., 2013 for Nesterov). PyTorch's momentum is ``v = mu v + g``, so its
  step is 1/(1 - mu) times the EMA form's the course prints (2.18).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import torch
from torch import nn

from dl_lab.diagnostics.jobs import SEED, with_seed
from dl_lab.evaluation.fit import FitThresholds, diagnose_fit
from dl_lab.parallel import run_points
from dl_lab.training.loops import LoopConfig, Splits, train_classifier
from dl_lab.training.optimizers import OPTIMIZERS, OptimizerConfig, build_optimizer

MOMENTUM_OPTIMIZERS = ("sgd_momentum", "nesterov")


def classify_lr_outcomes(
    lrs: list[float], final_val_loss: list[float], diverged: list[bool], tolerance: float = 0.25
) -> list[str]:
    """Label each rate; ``tolerance``: relative excess over the best loss still called good."""
    if not len(lrs) == len(final_val_loss) == len(diverged):
        raise ValueError("lrs, final_val_loss and diverged must have the same length")
    usable = [
        (lr, loss)
        for lr, loss, bad in zip(lrs, final_val_loss, diverged, strict=True)
        if not bad and math.isfinite(loss)
    ]
    if not usable:
        return ["diverged"] * len(lrs)
    best_lr, best_loss = min(usable, key=lambda pair: pair[1])
    labels = []
    for lr, loss, bad in zip(lrs, final_val_loss, diverged, strict=True):
        if bad or not math.isfinite(loss):
            labels.append("diverged")
        elif loss <= best_loss * (1 + tolerance):
            labels.append("good")
        else:
            labels.append("too_small" if lr < best_lr else "too_large")
    return labels


@dataclass(frozen=True)
class Quadratic:
    """``f(w) = (a w1^2 + b w2^2) / 2``; condition number ``b / a``."""

    a: float = 1.0
    b: float = 50.0
    start: tuple[float, float] = (-4.0, 1.0)

    def __call__(self, w: torch.Tensor) -> torch.Tensor:
        return 0.5 * (self.a * w[..., 0] ** 2 + self.b * w[..., 1] ** 2)


@dataclass(frozen=True)
class QuadraticRun:
    """One optimizer on the quadratic: name, optimizer registry name and its settings."""

    name: str
    optimizer: str
    lr: float
    momentum: float = 0.9

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(
                f"run {self.name!r}: unknown optimizer {self.optimizer!r}; "
                f"available: {', '.join(OPTIMIZERS)}"
            )


def _trajectory(q: Quadratic, run: QuadraticRun, steps: int) -> np.ndarray:
    w = torch.tensor(q.start, dtype=torch.float64, requires_grad=True)
    optimizer = build_optimizer(
        [w], OptimizerConfig(name=run.optimizer, lr=run.lr, momentum=run.momentum)
    )
    points = [w.detach().clone()]
    for _ in range(steps):
        optimizer.zero_grad()
        q(w).backward()
        optimizer.step()
        points.append(w.detach().clone())
    return torch.stack(points).numpy()  # (steps + 1, 2)


def quadratic_trajectories(
    q: Quadratic, runs: list[QuadraticRun], steps: int = 100, tolerance: float = 1e-3
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-step positions and losses, and per run: steps to ``f < tolerance``, sign flips
    of the steep coordinate (zig-zag) and the mean |step| along each axis."""
    paths, rows = [], []
    for run in runs:
        points = _trajectory(q, run, steps)
        loss = q(torch.from_numpy(points)).numpy()
        paths.append(
            pd.DataFrame({"run": run.name, "step": np.arange(len(points)),
                          "w1": points[:, 0], "w2": points[:, 1], "loss": loss})
        )  # fmt: skip
        below = np.flatnonzero(loss < tolerance)
        steep = points[:, 1]
        rows.append(
            {
                "run": run.name, "optimizer": run.optimizer, "lr": run.lr,
                "momentum": run.momentum if run.optimizer in MOMENTUM_OPTIMIZERS else math.nan,
                "steps_to_tolerance": int(below[0]) if len(below) else math.nan,
                "steep_axis_sign_flips": int((np.diff(np.sign(steep)) != 0).sum()),
                "mean_abs_step_steep": float(np.abs(np.diff(steep)).mean()),
                "mean_abs_step_flat": float(np.abs(np.diff(points[:, 0])).mean()),
                "final_loss": float(loss[-1]),
            }
        )  # fmt: skip
    return pd.concat(paths, ignore_index=True), pd.DataFrame(rows)


def lr_point(
    factory: Callable[[], nn.Module], splits: Splits, cfg: LoopConfig, seed: int,
    thresholds: FitThresholds,
) -> tuple[dict, pd.DataFrame]:  # fmt: skip
    """One job: a fresh network trained at ``cfg``'s optimizer and rate on one seed."""
    torch.manual_seed(seed)
    result = train_classifier(factory(), splits, cfg, seed)
    last = result.history.iloc[-1]
    row = {"optimizer": cfg.optimizer, "lr": cfg.lr, "diverged": result.diverged,
           "diverged_epoch": result.diverged_epoch, "final_train_loss": last["train_loss"],
           "final_val_loss": last["val_loss"], "final_val_acc": last["val_acc"],
           "fit_diagnosis": diagnose_fit(result.history, thresholds).label}  # fmt: skip
    return row, result.history.assign(optimizer=cfg.optimizer, lr=cfg.lr)


def learning_rate_sweep(
    factory: Callable[[], nn.Module], splits: dict[int, Splits], rates: dict[str, list[float]],
    loop: LoopConfig, tolerance: float, thresholds: FitThresholds,
) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """Every rate of every optimizer on every seed of ``splits`` (one job each); the
    outcome of each rate (``classify_lr_outcomes``) within its seed and optimizer."""
    points = [(seed, opt, lr) for seed in splits for opt, lrs in rates.items() for lr in lrs]
    jobs = [{"factory": factory, "splits": splits[seed], "seed": seed, "thresholds": thresholds,
             "cfg": replace(loop, optimizer=opt, lr=lr)} for seed, opt, lr in points]  # fmt: skip
    results = run_points(lr_point, jobs)
    table = pd.DataFrame([{SEED: p[0], **row} for p, (row, _) in zip(points, results, strict=True)])
    for _, part in table.groupby([SEED, "optimizer"], sort=False):
        table.loc[part.index, "outcome"] = classify_lr_outcomes(
            list(part["lr"]), list(part["final_val_loss"]), list(part["diverged"]), tolerance
        )
    table.insert(3, "outcome", table.pop("outcome"))
    histories = [with_seed(h, p[0]) for p, (_, h) in zip(points, results, strict=True)]
    return table, pd.concat(histories, ignore_index=True)

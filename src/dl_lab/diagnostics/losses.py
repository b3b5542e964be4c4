"""Loss choice (course 2.5, 2.17): MSE vs cross-entropy for a classifier; MSE vs MAE vs Huber
vs log-cosh for regression with and without outliers.

With a sigmoid output ``y_hat = s(z)``: ``d(1/2 (y_hat - y)^2)/dz = (y_hat - y) y_hat (1 - y_hat)``
(the course prints the sign flipped), which vanishes when the unit saturates even if it is
confidently wrong; binary cross-entropy gives ``y_hat - y``. Huber uses the correct form
``delta (|e| - delta / 2)`` beyond ``delta`` (the course prints ``|e| - delta^2 / 2``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from dl_lab.diagnostics.activations import first_epoch_reaching
from dl_lab.diagnostics.complexity import deep_mlp_factory
from dl_lab.diagnostics.jobs import SEED, with_seed
from dl_lab.evaluation.fit import FitThresholds, diagnose_fit
from dl_lab.parallel import run_points
from dl_lab.registry import Registry
from dl_lab.training.loops import LoopConfig, Splits, train_classifier

RegressionLoss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
REGRESSION_LOSSES: Registry[RegressionLoss] = Registry("regression loss")


def huber(error: torch.Tensor, delta: float = 1.0) -> torch.Tensor:
    """Element-wise Huber: ``e^2 / 2`` for ``|e| <= delta``, else ``delta (|e| - delta / 2)``."""
    a = error.abs()
    return torch.where(a <= delta, 0.5 * error**2, delta * (a - 0.5 * delta))


def log_cosh(error: torch.Tensor) -> torch.Tensor:
    """Element-wise ``log cosh e``, computed without overflow: ``|e| + log1p(e^-2|e|) - log 2``."""
    a = error.abs()
    return a + torch.log1p(torch.exp(-2 * a)) - math.log(2.0)


REGRESSION_LOSSES.register("mse")(lambda pred, y: ((pred - y) ** 2).mean())
REGRESSION_LOSSES.register("mae")(lambda pred, y: (pred - y).abs().mean())
REGRESSION_LOSSES.register("huber")(lambda pred, y: huber(pred - y).mean())
REGRESSION_LOSSES.register("log_cosh")(lambda pred, y: log_cosh(pred - y).mean())


def saturation_gradients(probabilities: list[float], label: float = 1.0) -> pd.DataFrame:
    """``dL/dz`` at a sigmoid output ``y_hat`` for half-MSE and binary cross-entropy (autograd)."""
    rows = []
    for p in probabilities:
        if not 0 < p < 1:
            raise ValueError(f"probabilities must be in (0, 1), got {p}")
        z = torch.tensor(math.log(p / (1 - p)), dtype=torch.float64, requires_grad=True)
        y = torch.tensor(label, dtype=torch.float64)
        (mse,) = torch.autograd.grad(0.5 * (torch.sigmoid(z) - y) ** 2, z)
        (bce,) = torch.autograd.grad(F.binary_cross_entropy_with_logits(z, y), z)
        rows.append({"y_hat": p, "label": label, "mse_grad": float(mse), "ce_grad": float(bce)})
    return pd.DataFrame(rows)


def mse_on_probabilities(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean squared error between softmax probabilities and one-hot labels (summed over classes)."""
    one_hot = F.one_hot(y, logits.shape[1]).to(logits.dtype)
    return ((torch.softmax(logits, dim=1) - one_hot) ** 2).sum(dim=1).mean()


def logit_gradient_norms(model: nn.Module, x: torch.Tensor, y: torch.Tensor, wrong_below: float):
    """Mean per-sample ``||dL/d logits||`` under MSE and CE on confidently wrong samples
    (true-class probability below ``wrong_below``), and how many there are."""
    with torch.no_grad():
        model.eval()
        logits = model(x)
    p_true = torch.softmax(logits, 1).gather(1, y[:, None])[:, 0]
    pick = p_true < wrong_below
    out = {"confidently_wrong": int(pick.sum())}
    for name, loss_fn in (("mse", mse_on_probabilities), ("ce", F.cross_entropy)):
        z = logits[pick].clone().requires_grad_(True)
        if len(z) == 0:
            out[f"{name}_logit_grad"] = math.nan
            continue
        (grad,) = torch.autograd.grad(loss_fn(z, y[pick]) * len(z), z)  # per-sample grads
        out[f"{name}_logit_grad"] = float(grad.norm(dim=1).mean())
    return out


@dataclass(frozen=True)
class RobustRegression:
    """``y = slope x + intercept + N(0, sigma^2)``; a fraction of training targets shifted."""

    n_train: int = 200
    n_test: int = 500
    slope: float = 2.0
    intercept: float = 1.0
    sigma: float = 0.5
    outlier_shift: float = 20.0
    steps: int = 600
    lr: float = 0.05

    def data(self, n: int, outliers: float, rng: np.random.Generator):
        x = rng.uniform(-3, 3, n)
        y = self.slope * x + self.intercept + rng.normal(0, self.sigma, n)
        bad = rng.random(n) < outliers
        y[bad] += self.outlier_shift  # one-sided: pulls a mean-seeking fit up
        return torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)


def fit_line(loss: RegressionLoss, x: torch.Tensor, y: torch.Tensor, steps: int, lr: float):
    """A line ``w x + b`` fitted full-batch with Adam under ``loss``; returns (w, b)."""
    w = torch.zeros(2, requires_grad=True)
    optimizer = torch.optim.Adam([w], lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        loss(w[0] * x + w[1], y).backward()
        optimizer.step()
    return float(w[0].detach()), float(w[1].detach())


def regression_point(
    problem: RobustRegression, losses: list[str], fraction: float, seed: int
) -> list[dict[str, float]]:
    """One job: every loss's line on one seed's data with ``fraction`` outliers."""
    rng = np.random.default_rng(seed)
    x, y = problem.data(problem.n_train, fraction, rng)
    x_test, y_test = problem.data(problem.n_test, 0.0, rng)
    rows = []
    for name in losses:
        w, b = fit_line(REGRESSION_LOSSES.get(name), x, y, problem.steps, problem.lr)
        error = w * x_test + b - y_test
        rows.append(
            {"loss": name, "outlier_fraction": fraction, "slope": w, "intercept": b,
             "test_rmse": float(error.pow(2).mean().sqrt()),
             "test_mae": float(error.abs().mean())}
        )  # fmt: skip
    return rows


def robust_regression(
    problem: RobustRegression, losses: list[str], outlier_fractions: list[float],
    seeds: list[int],
) -> pd.DataFrame:  # fmt: skip
    """Per (seed, loss, outlier fraction): fitted slope/intercept and clean-test RMSE and
    MAE; one job per (seed, fraction)."""
    for name in losses:
        REGRESSION_LOSSES.check(name)
    points = [(seed, fraction) for seed in seeds for fraction in outlier_fractions]
    jobs = [{"problem": problem, "losses": losses, "fraction": fraction, "seed": seed}
            for seed, fraction in points]  # fmt: skip
    results = run_points(regression_point, jobs)
    return pd.DataFrame([{SEED: seed, **row} for (seed, _), rows in zip(points, results, strict=True)
                         for row in rows])  # fmt: skip


CLASSIFIER_LOSSES = {"cross_entropy": F.cross_entropy, "mse": mse_on_probabilities}
"""The classifier's training losses compared in 2.17 (module-level: a job can name one)."""


def classifier_loss_point(
    loss: str, splits: Splits, depth: int, width: int, cfg: LoopConfig, target: float,
    wrong_below: float, seed: int, thresholds: FitThresholds,
) -> tuple[dict[str, Any], pd.DataFrame]:  # fmt: skip
    """One job: the deep MLP trained with ``loss`` on one seed; its row and history."""
    torch.manual_seed(seed)
    model = deep_mlp_factory(splits, depth, width)()
    result = train_classifier(model, splits, cfg, seed, loss_fn=CLASSIFIER_LOSSES[loss])
    h = result.history
    row = {"loss": loss, "final_val_acc": h["val_acc"].iloc[-1],
           "epochs_to_target": first_epoch_reaching(h["val_acc"], h["epoch"], target),
           "diverged": result.diverged, "fit_diagnosis": diagnose_fit(h, thresholds).label,
           **logit_gradient_norms(model, splits.x_train, splits.y_train, wrong_below)}  # fmt: skip
    return row, h.assign(loss=loss)


def compare_classifier_losses(
    splits: dict[int, Splits], depth: int, width: int, cfg: LoopConfig, target: float,
    wrong_below: float, thresholds: FitThresholds,
) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """Cross-entropy vs MSE on probabilities, the same MLP on each seed (one job each)."""
    points = [(seed, loss) for seed in splits for loss in CLASSIFIER_LOSSES]
    jobs = [{"loss": loss, "splits": splits[seed], "depth": depth, "width": width, "cfg": cfg,
             "target": target, "wrong_below": wrong_below, "seed": seed,
             "thresholds": thresholds} for seed, loss in points]  # fmt: skip
    results = run_points(classifier_loss_point, jobs)
    rows = [{SEED: p[0], **row} for p, (row, _) in zip(points, results, strict=True)]
    histories = [with_seed(h, p[0]) for p, (_, h) in zip(points, results, strict=True)]
    return pd.DataFrame(rows), pd.concat(histories, ignore_index=True)

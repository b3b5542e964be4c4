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

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from dl_lab.registry import Registry

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


def robust_regression(
    problem: RobustRegression, losses: list[str], outlier_fractions: list[float], seed: int
) -> pd.DataFrame:
    """Per (loss, outlier fraction): fitted slope/intercept and clean-test RMSE and MAE."""
    rows = []
    for fraction in outlier_fractions:
        rng = np.random.default_rng(seed)
        x, y = problem.data(problem.n_train, fraction, rng)
        x_test, y_test = problem.data(problem.n_test, 0.0, rng)
        for name in losses:
            w, b = fit_line(REGRESSION_LOSSES.get(name), x, y, problem.steps, problem.lr)
            error = w * x_test + b - y_test
            rows.append(
                {"loss": name, "outlier_fraction": fraction, "slope": w, "intercept": b,
                 "test_rmse": float(error.pow(2).mean().sqrt()),
                 "test_mae": float(error.abs().mean())}
            )  # fmt: skip
    return pd.DataFrame(rows)

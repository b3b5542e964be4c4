"""Bias-variance decomposition (course 1.2, 1.9, 1.20).

Regression with a known truth ``y = f(x) + e``, ``e ~ N(0, sigma^2)``: ``K`` models of one
complexity are fitted on ``K`` resamples of the training set (bootstrap resamples of one
draw, or fresh draws from the generator) and predict on a grid. At each grid point

    E[(y - f_hat)^2] = (f - E f_hat)^2 + Var f_hat + sigma^2

(bias^2, variance, noise); the left side is also measured directly on noisy test targets
so the identity is checked, not assumed. For classifiers under 0-1 loss, Domingos (2000,
"A unified bias-variance decomposition") defines the main prediction ``y_m`` (the mode over
models), bias ``B = 1[y_m != y]`` and variance ``V = P(f_hat != y_m)``; with no label noise
``loss = B + c V`` exactly, where ``c = 1`` on unbiased points and ``c = -P(f_hat = y |
f_hat != y_m)`` on biased ones (variance *reduces* the loss where the main prediction is
wrong).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.polynomial import Polynomial

from dl_lab.diagnostics.jobs import SEED, with_seed
from dl_lab.parallel import run_points

Sampling = Literal["bootstrap", "fresh"]
Fitter = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]  # (x, y, x_grid) -> pred


@dataclass(frozen=True)
class RegressionProblem:
    """``f(x) = sin(2 pi x)`` on [0, 1] with Gaussian noise ``sigma``."""

    n_train: int = 30
    sigma: float = 0.3
    n_grid: int = 200
    test_draws: int = 20

    def f(self, x: np.ndarray) -> np.ndarray:
        return np.sin(2 * np.pi * x)

    def sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.uniform(0.0, 1.0, n)
        return x, self.f(x) + rng.normal(0.0, self.sigma, n)

    def grid(self) -> np.ndarray:
        return np.linspace(0.0, 1.0, self.n_grid)


def training_sets(
    problem: RegressionProblem, k: int, sampling: Sampling, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``k`` training sets: bootstrap resamples of one draw, or ``k`` fresh draws."""
    if k < 2:
        raise ValueError(f"need at least 2 training sets to measure variance, got {k}")
    rng = np.random.default_rng(seed)
    if sampling == "fresh":
        return [problem.sample(problem.n_train, rng) for _ in range(k)]
    if sampling != "bootstrap":
        raise ValueError(f"sampling must be 'bootstrap' or 'fresh', got {sampling!r}")
    x, y = problem.sample(problem.n_train, rng)
    picks = [rng.integers(0, problem.n_train, problem.n_train) for _ in range(k)]
    return [(x[i], y[i]) for i in picks]


def decompose(predictions: np.ndarray, problem: RegressionProblem, seed: int) -> dict[str, float]:
    """bias^2, variance, noise and the directly measured expected test MSE.

    ``predictions``: (K models, grid points) on ``problem.grid()``.
    """
    grid = problem.grid()
    truth = problem.f(grid)
    mean = predictions.mean(axis=0)
    rng = np.random.default_rng(seed)
    targets = truth + rng.normal(0.0, problem.sigma, (problem.test_draws, 1, len(grid)))
    measured = float(((targets - predictions[None]) ** 2).mean())
    bias2 = float(((mean - truth) ** 2).mean())
    variance = float(predictions.var(axis=0).mean())
    noise = problem.sigma**2
    return {
        "bias2": bias2, "variance": variance, "noise": noise,
        "sum": bias2 + variance + noise, "expected_test_mse": measured,
    }  # fmt: skip


def polynomial_fitter(degree: int) -> Fitter:
    """Least-squares polynomial of ``degree`` (in a scaled basis, numerically stable)."""

    def fit(x: np.ndarray, y: np.ndarray, grid: np.ndarray) -> np.ndarray:
        return Polynomial.fit(x, y, degree, domain=[0.0, 1.0])(grid)

    return fit


def sweep(
    problem: RegressionProblem,
    fitters: dict[str, Fitter],
    k: int,
    sampling: Sampling,
    seed: int,
) -> pd.DataFrame:
    """Decompose the error of each named complexity (one row per entry of ``fitters``)."""
    sets = training_sets(problem, k, sampling, seed)
    grid = problem.grid()
    rows = []
    for name, fit in fitters.items():
        predictions = np.stack([fit(x, y, grid) for x, y in sets])
        rows.append({"complexity": name, **decompose(predictions, problem, seed + 1)})
    return pd.DataFrame(rows)


def zero_one_decomposition(predictions: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Domingos' 0-1 decomposition; ``predictions``: (K models, N points) class labels."""
    k, n = predictions.shape
    classes = int(max(predictions.max(), labels.max())) + 1
    counts = np.stack([(predictions == c).sum(axis=0) for c in range(classes)])  # (C, N)
    main = counts.argmax(axis=0)  # ties -> lowest class index
    loss = (predictions != labels).mean(axis=0)
    bias = (main != labels).astype(float)
    variance = (predictions != main).mean(axis=0)
    hits_off_main = (predictions == labels).sum(axis=0) / np.maximum(
        (predictions != main).sum(axis=0), 1
    )
    c = np.where(bias == 0, 1.0, -hits_off_main)
    return {
        "loss": float(loss.mean()), "bias": float(bias.mean()), "variance": float(variance.mean()),
        "variance_unbiased": float((variance * (1 - bias)).mean()),
        "variance_biased": float((variance * bias).mean()),
        "net_variance": float((c * variance).mean()),
    }  # fmt: skip


def minimum_of(table: pd.DataFrame, column: str = "expected_test_mse") -> dict[str, object]:
    """The complexity with the lowest value of ``column`` and that value."""
    best = table.loc[table[column].idxmin()]
    return {"complexity": best["complexity"], column: float(best[column])}


def _ensemble_predictions(
    sets: list[tuple[np.ndarray, np.ndarray]], grid: np.ndarray, width: int, steps: int,
    lr: float, seed: int,
) -> np.ndarray:  # fmt: skip
    """K one-hidden-layer tanh MLPs, one per training set, trained together full-batch.

    The K networks share nothing: their weights are stacked along a leading axis and the
    summed loss gives each its own gradient (Adam's update is element-wise).
    """
    import torch

    generator = torch.Generator().manual_seed(seed)
    k = len(sets)
    x = torch.tensor(np.stack([s[0] for s in sets]), dtype=torch.float32)[..., None]  # (K, n, 1)
    y = torch.tensor(np.stack([s[1] for s in sets]), dtype=torch.float32)[..., None]
    bound = 1.0 / width**0.5  # PyTorch's default U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    params = [
        (torch.rand(k, 1, width, generator=generator) * 2 - 1),  # fan_in 1 -> bound 1
        (torch.rand(k, 1, width, generator=generator) * 2 - 1),
        (torch.rand(k, width, 1, generator=generator) * 2 - 1) * bound,
        (torch.rand(k, 1, 1, generator=generator) * 2 - 1) * bound,
    ]
    for p in params:
        p.requires_grad_(True)

    def forward(inputs):
        w1, b1, w2, b2 = params
        return torch.tanh((inputs - 0.5) / 0.29 @ w1 + b1) @ w2 + b2  # x standardized

    optimizer = torch.optim.Adam(params, lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        ((forward(x) - y) ** 2).mean(dim=(1, 2)).sum().backward()
        optimizer.step()
    with torch.no_grad():
        g = torch.tensor(grid, dtype=torch.float32).expand(k, -1)[..., None]
        return forward(g)[..., 0].numpy()  # (K, grid)


def mlp_width_point(
    problem: RegressionProblem, width: int, k: int, sampling: Sampling, seed: int,
    steps: int = 2000, lr: float = 0.01,
) -> dict[str, float]:  # fmt: skip
    """One job: the decomposition of a one-hidden-layer MLP of ``width`` on one seed's sets."""
    sets = training_sets(problem, k, sampling, seed)
    predictions = _ensemble_predictions(sets, problem.grid(), width, steps, lr, seed)
    return {"complexity": width, **decompose(predictions, problem, seed + 1)}


def mlp_width_sweep(
    problem: RegressionProblem, widths: list[int], k: int, sampling: Sampling, seed: int,
    steps: int = 2000, lr: float = 0.01,
) -> pd.DataFrame:  # fmt: skip
    """The decomposition across the hidden width of a one-hidden-layer MLP (here)."""
    return pd.DataFrame([mlp_width_point(problem, w, k, sampling, seed, steps, lr) for w in widths])


def decompose_over_seeds(
    problem: RegressionProblem, degrees: list[int], widths: list[int], k: int, mlp_k: int,
    sampling: Sampling, seeds: list[int], steps: int = 2000, lr: float = 0.01,
) -> pd.DataFrame:  # fmt: skip
    """Polynomial degrees (here: cheap) and MLP widths (one job per seed and width) on each
    seed's training sets: one row per (seed, family, complexity)."""
    points = [(seed, width) for seed in seeds for width in widths]
    jobs = [{"problem": problem, "width": width, "k": mlp_k, "sampling": sampling, "seed": seed,
             "steps": steps, "lr": lr} for seed, width in points]  # fmt: skip
    mlp = pd.DataFrame(run_points(mlp_width_point, jobs)).assign(family="mlp_width")
    mlp.insert(0, SEED, [seed for seed, _ in points])
    fitters = {d: polynomial_fitter(d) for d in degrees}
    poly = [with_seed(sweep(problem, fitters, k, sampling, seed), seed).assign(
        family="polynomial_degree") for seed in seeds]  # fmt: skip
    return pd.concat([*poly, mlp], ignore_index=True)

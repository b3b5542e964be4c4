"""Rosenblatt's (1958) perceptron learning rule, with an epoch limit (2.4, 2.10).

``w <- w + lr (y - y_hat) x`` and ``b <- b + lr (y - y_hat)`` after each sample, where
``y_hat = 1[w . x + b >= 0]``. On linearly separable data it stops after an epoch without
mistakes, and from ``w = 0`` it makes at most ``(R / gamma)^2`` updates (Novikoff 1962).
On data that no line separates, XOR included, it never has such an epoch: training stops
at ``max_epochs`` and the result says ``converged=False``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class PerceptronResult:
    """Final weights and bias, whether an error-free epoch happened, and the history."""

    weights: Array
    bias: float
    converged: bool
    epochs: int
    mistakes_per_epoch: list[int]
    accuracy: float

    @property
    def updates(self) -> int:
        return int(sum(self.mistakes_per_epoch))


def predict(weights: Array, bias: float, x: Array) -> Array:
    """``1[w . x + b >= 0]`` for each row of ``x``."""
    return (np.asarray(x, dtype=float) @ weights + bias >= 0).astype(int)


def _check_data(x: Array, y: Array) -> tuple[Array, Array]:
    x, y = np.asarray(x, dtype=float), np.asarray(y)
    if x.ndim != 2 or y.shape != (x.shape[0],):
        raise ValueError(f"perceptron needs x (n, d) and y (n,), got {x.shape} and {y.shape}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("perceptron labels must be 0 or 1")
    return x, y.astype(int)


def train_perceptron(
    x: Array,
    y: Array,
    lr: float = 1.0,
    max_epochs: int = 100,
    rng: np.random.Generator | None = None,
) -> PerceptronResult:
    """Online perceptron from ``w = 0``; samples in a fresh random order each epoch if ``rng``."""
    x, y = _check_data(x, y)
    if not lr > 0 or max_epochs < 1:
        raise ValueError(f"need lr > 0 and max_epochs >= 1, got lr={lr}, max_epochs={max_epochs}")
    w, b = np.zeros(x.shape[1]), 0.0
    mistakes: list[int] = []
    for _ in range(max_epochs):
        order = rng.permutation(len(x)) if rng is not None else np.arange(len(x))
        errors = 0
        for i in order:
            delta = y[i] - int(x[i] @ w + b >= 0)
            if delta:
                w, b, errors = w + lr * delta * x[i], b + lr * delta, errors + 1
        mistakes.append(errors)
        if errors == 0:
            break
    accuracy = float(np.mean(predict(w, b, x) == y))
    return PerceptronResult(w, b, mistakes[-1] == 0, len(mistakes), mistakes, accuracy)


def separable_data(
    n: int, dim: int, margin: float, rng: np.random.Generator
) -> tuple[Array, Array, Array, float]:
    """Points in [-1, 1]^dim labelled by a random hyperplane, none within ``margin`` of it.

    Returns ``x, y, w_true, b_true`` with ``||w_true|| = 1``.
    """
    if n < 2 or dim < 1 or margin < 0:
        raise ValueError(f"need n >= 2, dim >= 1, margin >= 0; got {n}, {dim}, {margin}")
    w_true = rng.normal(size=dim)
    w_true /= np.linalg.norm(w_true)
    b_true = float(rng.uniform(-0.2, 0.2))
    kept: list[Array] = []
    while sum(len(k) for k in kept) < n:
        cand = rng.uniform(-1, 1, size=(4 * n, dim))
        kept.append(cand[np.abs(cand @ w_true + b_true) > margin])
    x = np.concatenate(kept)[:n]
    return x, (x @ w_true + b_true >= 0).astype(int), w_true, b_true


def novikoff_bound(x: Array, y: Array, weights: Array, bias: float) -> float:
    """``(R / gamma)^2`` for the separator ``(weights, bias)``, on inputs augmented with 1.

    Any separator gives a valid bound on the perceptron's updates (the best one the tightest).
    """
    x, y = _check_data(x, y)
    augmented = np.hstack([x, np.ones((len(x), 1))])
    u = np.append(weights, bias)
    margins = (2 * y - 1) * (augmented @ u) / np.linalg.norm(u)
    if margins.min() <= 0:
        raise ValueError("(weights, bias) does not separate the data")
    radius = np.linalg.norm(augmented, axis=1).max()
    return float((radius / margins.min()) ** 2)

"""Hebbian learning versus gradient descent on a linear associative memory (2.19).

The supervised Hebb rule ``dW = lr * y x^T`` (Hebb 1949; the linear associator of
Anderson 1972 and Kohonen 1972) adds the input-output correlation of each pair and uses no
error signal, so after ``E`` epochs ``W = lr * E * Y^T X``. Recall ``W x_p`` is exact only
when the inputs are orthogonal; otherwise the other stored pairs leak in as crosstalk, and
``||W||`` grows without bound. The delta rule (Widrow & Hoff 1960; normalized LMS here,
``dW = lr (y - W x) x^T / ||x||^2``) follows the gradient of ``1/2 ||W x - y||^2`` and from
``W = 0`` converges to the least-squares map ``Y^T pinv(X)^T``, exact for linearly
independent inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dl_lab.registry import Registry

Array = np.ndarray


@dataclass(frozen=True)
class Association:
    """Learned map ``W`` ``(m, n)`` and ``||W||_F`` after each epoch."""

    rule: str
    weights: Array
    weight_norms: list[float]


def _check_pairs(x: Array, y: Array) -> tuple[Array, Array]:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.ndim != 2 or y.ndim != 2 or len(x) != len(y):
        raise ValueError(f"need x (P, n) and y (P, m) with equal P, got {x.shape} and {y.shape}")
    return x, y


def hebbian(x: Array, y: Array, lr: float, epochs: int) -> Association:
    """Online Hebb rule ``W += lr * y_p x_p^T`` over the pairs in order, ``epochs`` times."""
    x, y = _check_pairs(x, y)
    w, norms = np.zeros((y.shape[1], x.shape[1])), []
    for _ in range(epochs):
        for xp, yp in zip(x, y, strict=True):
            w += lr * np.outer(yp, xp)
        norms.append(float(np.linalg.norm(w)))
    return Association("hebbian", w, norms)


def delta_rule(x: Array, y: Array, lr: float, epochs: int) -> Association:
    """Online normalized LMS ``W += lr (y_p - W x_p) x_p^T / ||x_p||^2``; stable for 0 < lr < 2."""
    x, y = _check_pairs(x, y)
    if not 0 < lr < 2:
        raise ValueError(f"normalized LMS needs 0 < lr < 2, got {lr}")
    w, norms = np.zeros((y.shape[1], x.shape[1])), []
    for _ in range(epochs):
        for xp, yp in zip(x, y, strict=True):
            w += lr * np.outer(yp - w @ xp, xp) / (xp @ xp)
        norms.append(float(np.linalg.norm(w)))
    return Association("delta_rule", w, norms)


RULES: Registry[Association] = Registry("associative learning rule")
RULES.register("hebbian")(hebbian)
RULES.register("delta_rule")(delta_rule)


def bit_error_rate(weights: Array, x: Array, y: Array) -> float:
    """Fraction of output signs that recall gets wrong: ``sign(W x_p) != y_p``."""
    return float(np.mean(np.sign(np.asarray(x) @ weights.T) != np.asarray(y)))


def patterns(
    kind: str, count: int, n: int, rng: np.random.Generator, correlation: float = 0.0
) -> Array:
    """``count`` input patterns in {-1, +1}^n: ``orthogonal`` (Hadamard rows), ``random``, or
    ``correlated``: each bit copies one shared prototype with probability ``correlation``
    and is random otherwise, so two patterns overlap by ``correlation^2`` on average.
    """
    if kind == "orthogonal":
        if n & (n - 1) or count > n:
            raise ValueError(
                f"orthogonal patterns need n a power of 2 and count <= n; got {n}, {count}"
            )
        hadamard = np.ones((1, 1))
        while hadamard.shape[0] < n:  # Sylvester's construction
            hadamard = np.block([[hadamard, hadamard], [hadamard, -hadamard]])
        return hadamard[rng.permutation(n)[:count]]
    noise = rng.choice([-1.0, 1.0], size=(count, n))
    if kind == "random":
        return noise
    if kind == "correlated":
        if not 0 <= correlation < 1:
            raise ValueError(f"correlation must lie in [0, 1), got {correlation}")
        prototype = rng.choice([-1.0, 1.0], size=n)
        return np.where(rng.random((count, n)) < correlation, prototype, noise)
    raise ValueError(f"unknown pattern kind {kind!r}; available: correlated, orthogonal, random")


def compare_rules(
    kinds: list[str],
    counts: list[int],
    n_inputs: int,
    n_outputs: int,
    correlation: float,
    lrs: dict[str, float],
    epochs: int,
    rng: np.random.Generator,
) -> tuple[list[dict], dict[tuple[str, int, str], list[float]]]:
    """Every rule on ``count`` random +-1 pairs of each pattern ``kind``.

    Returns one row per (kind, count, rule) -- recall bit errors, ``||W||``, and the cosine of
    ``W`` with the Hebbian direction ``Y^T X`` and with the least-squares map -- and the
    per-epoch weight norms keyed by ``(kind, count, rule)``.
    """
    rows, norms = [], {}
    for kind in kinds:
        for count in counts:
            if kind == "orthogonal" and count > n_inputs:
                continue
            x = patterns(kind, count, n_inputs, rng, correlation)
            y = rng.choice([-1.0, 1.0], size=(count, n_outputs))
            least_squares = y.T @ np.linalg.pinv(x).T  # (m, n)
            for rule in RULES.available():
                learned = RULES.build(rule, x=x, y=y, lr=lrs[rule], epochs=epochs)
                norms[kind, count, rule] = learned.weight_norms
                rows.append(
                    {
                        "patterns": kind,
                        "n_pairs": count,
                        "rule": rule,
                        "bit_error_rate": bit_error_rate(learned.weights, x, y),
                        "weight_norm": learned.weight_norms[-1],
                        "cosine_to_hebb_direction": _cosine(learned.weights, y.T @ x),
                        "cosine_to_least_squares": _cosine(learned.weights, least_squares),
                    }
                )
    return rows, norms


def _cosine(a: Array, b: Array) -> float:
    denominator = np.linalg.norm(a) * np.linalg.norm(b)
    return float((a * b).sum() / denominator) if denominator else float("nan")

"""Numerically stable softmax with temperature, and categorical cross-entropy (2.14).

``softmax(z / T)`` subtracts ``max(z)`` before exponentiating: softmax is shift-invariant,
so the result is unchanged while ``exp`` never overflows. For one-hot ``y`` the gradient
of ``-sum(y * log softmax(z))`` with respect to the logits ``z`` is ``softmax(z) - y``.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def _scaled(logits: Array, temperature: float) -> Array:
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    z = np.asarray(logits, dtype=float)
    if z.ndim == 0:
        raise ValueError("softmax needs at least one axis of logits, got a scalar")
    return z / temperature


def log_softmax(logits: Array, temperature: float = 1.0, axis: int = -1) -> Array:
    """``log softmax(z / T)`` along ``axis`` via the log-sum-exp trick."""
    z = _scaled(logits, temperature)
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(logits: Array, temperature: float = 1.0, axis: int = -1) -> Array:
    """Probabilities ``exp(z_i / T) / sum_j exp(z_j / T)`` along ``axis``; each row sums to 1."""
    z = _scaled(logits, temperature)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def naive_softmax(logits: Array) -> Array:
    """The textbook formula without the max shift; overflows for logits above ~709."""
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(np.asarray(logits, dtype=float))
        return e / e.sum(axis=-1, keepdims=True)


def one_hot(labels: Array, n_classes: int) -> Array:
    """Integer labels ``(n,)`` to a one-hot matrix ``(n, n_classes)``."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be a 1-D integer array, got shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"labels must lie in [0, {n_classes - 1}], got {labels.min()}..{labels.max()}"
        )
    return np.eye(n_classes)[labels]


def as_targets(targets: Array, n_classes: int) -> Array:
    """One-hot targets from labels ``(n,)`` or pass-through of a ``(n, k)`` distribution."""
    targets = np.asarray(targets)
    if targets.ndim == 1:
        return one_hot(targets, n_classes)
    if targets.ndim != 2 or targets.shape[1] != n_classes:
        raise ValueError(f"targets must be labels (n,) or (n, {n_classes}), got {targets.shape}")
    return targets.astype(float)


def _logits_and_targets(logits: Array, targets: Array) -> tuple[Array, Array]:
    """Logits ``(n, k)`` as floats and their one-hot (or soft) targets ``(n, k)``."""
    logits = np.asarray(logits, dtype=float)
    if logits.ndim != 2:
        raise ValueError(f"logits must be (n, k), got shape {logits.shape}")
    y = as_targets(targets, logits.shape[1])
    if y.shape[0] != logits.shape[0]:
        raise ValueError(f"{logits.shape[0]} rows of logits but {y.shape[0]} targets")
    return logits, y


def cross_entropy(logits: Array, targets: Array, temperature: float = 1.0) -> float:
    """Mean over the batch of ``-sum_i y_i log softmax(z / T)_i``; logits ``(n, k)``."""
    logits, y = _logits_and_targets(logits, targets)
    return float(-(y * log_softmax(logits, temperature)).sum(axis=1).mean())


def cross_entropy_grad(logits: Array, targets: Array) -> Array:
    """``d cross_entropy / d logits = (softmax(z) - y) / n`` (T = 1, mean over the batch)."""
    logits, y = _logits_and_targets(logits, targets)
    return (softmax(logits) - y) / logits.shape[0]


def entropy(probs: Array) -> Array:
    """Shannon entropy in nats along the last axis (0 log 0 = 0)."""
    p = np.asarray(probs, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log(p), 0.0).sum(axis=-1)

"""Small synthetic data sets generated from a seed (no downloads).

* ``teacher_classification``: labels from a random tanh teacher that reads only the first
  ``n_informative`` inputs; the others are noise, so a penalty that zeroes their weights is
  doing feature selection (2.12).
* ``bars``: Foldiak's (1990) bars images, each a superposition of a few horizontal and
  vertical bars; a sparse code should use about one hidden unit per bar (2.15).
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def teacher_classification(
    n: int,
    n_features: int,
    n_informative: int,
    rng: np.random.Generator,
    teacher_width: int = 8,
    label_noise: float = 0.0,
) -> tuple[Array, Array]:
    """``x ~ N(0, I)`` ``(n, n_features)``; ``y`` in {0, 1} from a teacher on the first inputs.

    The teacher is drawn from ``rng`` first, so the same seed gives the same rule for
    training and validation sets drawn later from the same generator.
    """
    if not 1 <= n_informative <= n_features:
        raise ValueError(
            f"need 1 <= n_informative <= n_features, got {n_informative}, {n_features}"
        )
    if not 0 <= label_noise < 0.5:
        raise ValueError(f"label_noise must lie in [0, 0.5), got {label_noise}")
    teacher_in = rng.normal(size=(teacher_width, n_informative)) * 1.5
    teacher_out = rng.normal(size=teacher_width)
    return _sample_teacher(n, n_features, teacher_in, teacher_out, rng, label_noise)


def _sample_teacher(
    n: int, n_features: int, w_in: Array, w_out: Array, rng: np.random.Generator, noise: float
) -> tuple[Array, Array]:
    x = rng.normal(size=(n, n_features))
    score = np.tanh(x[:, : w_in.shape[1]] @ w_in.T) @ w_out
    y = (score > np.median(score)).astype(int)
    flip = rng.random(n) < noise
    return x, np.where(flip, 1 - y, y)


def teacher_splits(
    n_train: int,
    n_val: int,
    n_features: int,
    n_informative: int,
    rng: np.random.Generator,
    label_noise: float = 0.0,
) -> tuple[Array, Array, Array, Array]:
    """Train and validation sets labelled by one shared teacher."""
    x, y = teacher_classification(
        n_train + n_val, n_features, n_informative, rng, label_noise=label_noise
    )
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]


def bars(n: int, size: int, p_bar: float, rng: np.random.Generator) -> Array:
    """``(n, size * size)`` binary images; each of the ``2 size`` bars is on with ``p_bar``."""
    if size < 2 or not 0 < p_bar < 1:
        raise ValueError(f"need size >= 2 and 0 < p_bar < 1, got {size}, {p_bar}")
    on = rng.random((n, 2, size)) < p_bar  # (n, horizontal/vertical, index)
    rows = on[:, 0, :, None] | np.zeros((1, 1, size), dtype=bool)  # (n, size, size)
    cols = on[:, 1, None, :] | np.zeros((1, size, 1), dtype=bool)
    return (rows | cols).reshape(n, size * size).astype(float)


def bar_templates(size: int) -> Array:
    """The ``2 size`` single-bar images ``(2 size, size * size)``: rows first, then columns."""
    rows = [np.kron(np.eye(size)[i], np.ones(size)) for i in range(size)]
    cols = [np.tile(np.eye(size)[i], size) for i in range(size)]
    return np.array(rows + cols)


def matched_bars(weights: Array, size: int, threshold: float = 0.6) -> int:
    """How many distinct bars some hidden unit's input weights correlate with above ``threshold``."""
    templates = bar_templates(size)
    w = weights - weights.mean(axis=1, keepdims=True)  # (units, size^2)
    t = templates - templates.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(w, axis=1)[:, None] * np.linalg.norm(t, axis=1)[None, :]
    corr = (w @ t.T) / np.maximum(norms, 1e-300)  # (units, bars)
    best = corr.max(axis=1)
    return len(set(corr.argmax(axis=1)[best > threshold].tolist()))

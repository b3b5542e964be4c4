"""The course's explicit backpropagation equations for a 2-layer net (2.7) and one neuron (2.13).

For ``z1 = W1 x + b1, h = f(z1), z2 = W2 h + b2, y_hat = sigmoid(z2)`` and
``L = 1/2 (y - y_hat)^2``:
``delta2 = (y_hat - y) y_hat (1 - y_hat)``, ``dW2 = delta2 h^T``, ``db2 = delta2``,
``dh = W2^T delta2``, ``delta1 = dh * f'(z1)``, ``dW1 = delta1 x^T``, ``db1 = delta1``.
Written per sample with column vectors, independent of ``mlp.MLP``, so the tests can check
the general layer-by-layer backward pass against the textbook formulas.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dl_lab.fundamentals.activations import get_activation, sigmoid

Array = np.ndarray


@dataclass(frozen=True)
class TwoLayerBackprop:
    """Forward values, the two error signals (deltas) and all four parameter gradients."""

    y_hat: float
    loss: float
    delta2: Array
    delta1: Array
    dW2: Array
    db2: Array
    dW1: Array
    db1: Array


def two_layer_backprop(
    x: Array, y: float, W1: Array, b1: Array, W2: Array, b2: Array, hidden: str = "sigmoid"
) -> TwoLayerBackprop:
    """One sample through the course's 2.7 equations; ``W1`` (h, d), ``W2`` (1, h)."""
    x = np.asarray(x, dtype=float).reshape(-1, 1)  # (d, 1)
    W1, W2 = np.asarray(W1, dtype=float), np.asarray(W2, dtype=float)
    b1, b2 = np.asarray(b1, dtype=float).reshape(-1, 1), np.asarray(b2, dtype=float).reshape(-1, 1)
    if W1.shape != (b1.shape[0], x.shape[0]) or W2.shape != (1, W1.shape[0]):
        raise ValueError(f"need W1 (h, {x.shape[0]}) and W2 (1, h); got {W1.shape}, {W2.shape}")
    f = get_activation(hidden)
    z1 = W1 @ x + b1  # (h, 1)
    h = f.forward(z1)
    z2 = W2 @ h + b2  # (1, 1)
    y_hat = sigmoid(z2)
    delta2 = (y_hat - y) * y_hat * (1 - y_hat)  # dL/dz2
    delta1 = (W2.T @ delta2) * f.derivative(z1, h)  # dL/dz1
    return TwoLayerBackprop(
        y_hat=float(y_hat[0, 0]),
        loss=float(0.5 * (y - y_hat[0, 0]) ** 2),
        delta2=delta2.ravel(),
        delta1=delta1.ravel(),
        dW2=delta2 @ h.T,
        db2=delta2.ravel(),
        dW1=delta1 @ x.T,
        db1=delta1.ravel(),
    )


def sigmoid_neuron_step(
    x: Array, y: float, w: Array, b: float, lr: float
) -> dict[str, float | Array]:
    """One update of ``y_hat = sigmoid(w . x + b)`` on ``J = 1/2 (y - y_hat)^2`` (2.13).

    ``dJ/dw_i = (y_hat - y) y_hat (1 - y_hat) x_i``; note the sign, which 2.17 flips.
    """
    x, w = np.atleast_1d(np.asarray(x, dtype=float)), np.atleast_1d(np.asarray(w, dtype=float))
    if x.shape != w.shape:
        raise ValueError(f"x and w must have the same shape, got {x.shape} and {w.shape}")
    z = float(x @ w + b)
    y_hat = float(sigmoid(np.array(z)))
    delta = (y_hat - y) * y_hat * (1 - y_hat)
    return {
        "z": z,
        "y_hat": y_hat,
        "error": y_hat - y,
        "loss": 0.5 * (y - y_hat) ** 2,
        "grad_w": delta * x,
        "grad_b": delta,
        "w_new": w - lr * delta * x,
        "b_new": b - lr * delta,
    }


def train_two_layer(
    x: Array, y: Array, params: dict[str, Array], lr: float, epochs: int, hidden: str = "sigmoid"
) -> list[dict]:
    """Batch GD on the 2.7 net, averaging the per-sample gradients of ``two_layer_backprop``.

    ``params`` holds ``W1, b1, W2, b2`` (not modified). Returns per epoch (before its update)
    the mean loss, accuracy at 0.5 and the mean ``|delta|`` of each layer: how large the
    error signal is at the output and after one step backward.
    """
    p = {k: np.array(v, dtype=float) for k, v in params.items()}
    rows = []
    for epoch in range(epochs + 1):
        steps = [
            two_layer_backprop(xi, yi, p["W1"], p["b1"], p["W2"], p["b2"], hidden)
            for xi, yi in zip(x, y, strict=True)
        ]
        rows.append(
            {
                "epoch": epoch,
                "loss": float(np.mean([s.loss for s in steps])),
                "accuracy": float(
                    np.mean([(s.y_hat >= 0.5) == yi for s, yi in zip(steps, y, strict=True)])
                ),
                "mean_abs_delta2": float(np.mean([np.abs(s.delta2).mean() for s in steps])),
                "mean_abs_delta1": float(np.mean([np.abs(s.delta1).mean() for s in steps])),
            }
        )
        if epoch < epochs:
            for name in p:
                p[name] = p[name] - lr * np.mean([getattr(s, f"d{name}") for s in steps], axis=0)
    return rows

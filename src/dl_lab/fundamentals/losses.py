"""Losses on a network's last-layer output, each with its gradient (2.3, 2.7, 2.14, 2.17).

A loss takes ``output`` ``(n, k)`` and ``target`` and returns the batch mean, plus
``dL/d output``. Losses named ``*cross_entropy`` take logits and include the output
nonlinearity (softmax / sigmoid), which keeps them stable and makes the gradient ``p - y``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from dl_lab.fundamentals.activations import sigmoid
from dl_lab.fundamentals.softmax import cross_entropy, cross_entropy_grad
from dl_lab.registry import Registry

Array = np.ndarray


@dataclass(frozen=True)
class Loss:
    """``value(output, target) -> float`` and ``gradient(output, target) -> dL/d output``."""

    name: str
    value: Callable[[Array, Array], float]
    gradient: Callable[[Array, Array], Array]

    def __call__(self, output: Array, target: Array) -> float:
        return self.value(output, target)


LOSSES: Registry[Loss] = Registry("loss")


def _same_shape(output: Array, target: Array) -> tuple[Array, Array]:
    output = np.asarray(output, dtype=float)
    target = np.asarray(target, dtype=float)
    if target.ndim == 1 and output.ndim == 2 and output.shape[1] == 1:
        target = target[:, None]
    if output.shape != target.shape:
        raise ValueError(f"output shape {output.shape} and target shape {target.shape} differ")
    return output, target


def _mse(output: Array, target: Array) -> float:
    out, y = _same_shape(output, target)
    return float(np.mean((out - y) ** 2))


def _mse_grad(output: Array, target: Array) -> Array:
    out, y = _same_shape(output, target)
    return 2.0 * (out - y) / out.size


def _half_sse(output: Array, target: Array) -> float:
    out, y = _same_shape(output, target)
    return float(0.5 * np.sum((out - y) ** 2) / out.shape[0])


def _half_sse_grad(output: Array, target: Array) -> Array:
    out, y = _same_shape(output, target)
    return (out - y) / out.shape[0]


def _bce_logits(output: Array, target: Array) -> float:
    z, y = _same_shape(output, target)
    # max(z, 0) - z y + log(1 + exp(-|z|)) == -[y log s(z) + (1 - y) log(1 - s(z))]
    return float(np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def _bce_logits_grad(output: Array, target: Array) -> Array:
    z, y = _same_shape(output, target)
    return (sigmoid(z) - y) / z.size


_DEFINITIONS = {
    # torch.nn.MSELoss(reduction="mean"): mean over every element
    "mse": (_mse, _mse_grad),
    # the course's L = 1/2 (y - y_hat)^2, summed over outputs, averaged over the batch
    "half_sse": (_half_sse, _half_sse_grad),
    # torch.nn.BCEWithLogitsLoss: sigmoid + binary cross-entropy on logits
    "binary_cross_entropy": (_bce_logits, _bce_logits_grad),
    # torch.nn.CrossEntropyLoss: softmax + categorical cross-entropy on logits
    "cross_entropy": (cross_entropy, cross_entropy_grad),
}


for _name, (_value, _gradient) in _DEFINITIONS.items():
    LOSSES.register(_name)(partial(Loss, _name, _value, _gradient))


def get_loss(name: str) -> Loss:
    """The loss registered as ``name``; unknown names list the available ones."""
    return LOSSES.build(name)

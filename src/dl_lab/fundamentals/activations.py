"""Elementwise activation functions with their derivatives, one registry entry each (2.2).

Each entry maps pre-activations ``z`` to ``f(z)`` and gives ``f'(z)`` for backpropagation.
The derivative takes both ``z`` and ``a = f(z)`` so sigmoid and tanh can reuse the output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from dl_lab.registry import Registry

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    """``forward(z) -> a`` and ``derivative(z, a) -> da/dz`` for one elementwise function."""

    name: str
    forward: Callable[[Array], Array]
    derivative: Callable[[Array, Array], Array]


ACTIVATIONS: Registry[Activation] = Registry("activation")


def sigmoid(z: Array) -> Array:
    """Logistic function, computed without overflow for large ``|z|``."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def _gelu_tanh(z: Array) -> Array:
    # tanh approximation of x*Phi(x) (Hendrycks & Gimpel 2016), as torch's approximate="tanh"
    return 0.5 * z * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (z + 0.044715 * z**3)))


def _gelu_tanh_derivative(z: Array, a: Array) -> Array:
    c = np.sqrt(2.0 / np.pi)
    t = np.tanh(c * (z + 0.044715 * z**3))
    return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t**2) * c * (1.0 + 3 * 0.044715 * z**2)


def _swish_derivative(z: Array, a: Array) -> Array:
    s = sigmoid(z)
    return s + z * s * (1.0 - s)


_DEFINITIONS: dict[str, tuple[Callable[[Array], Array], Callable[[Array, Array], Array]]] = {
    "identity": (lambda z: z, lambda z, a: np.ones_like(z)),
    "sigmoid": (sigmoid, lambda z, a: a * (1.0 - a)),
    "tanh": (np.tanh, lambda z, a: 1.0 - a**2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(float)),
    "leaky_relu": (
        lambda z: np.where(z > 0, z, 0.01 * z),
        lambda z, a: np.where(z > 0, 1.0, 0.01),
    ),
    "elu": (
        lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),
        lambda z, a: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0))),
    ),
    "swish": (lambda z: z * sigmoid(z), _swish_derivative),
    "gelu": (_gelu_tanh, _gelu_tanh_derivative),
}


for _name, (_forward, _derivative) in _DEFINITIONS.items():
    ACTIVATIONS.register(_name)(partial(Activation, _name, _forward, _derivative))


def get_activation(name: str) -> Activation:
    """The activation registered as ``name``; unknown names list the available ones."""
    return ACTIVATIONS.build(name)

"""The artificial neuron (2.1) and the McCulloch-Pitts threshold unit (2.4).

A McCulloch & Pitts (1943) unit fires, ``y = 1``, when ``sum_i w_i x_i >= theta``. One such
unit cannot compute XOR: (0,0) -> 0 needs ``0 < theta``; (1,0) and (0,1) -> 1 need
``w1 >= theta`` and ``w2 >= theta``; then ``w1 + w2 >= 2 theta > theta``, so (1,1) fires too.
``count_threshold_functions`` shows the same by exhaustive search over a grid.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from dl_lab.fundamentals.activations import get_activation
from dl_lab.registry import Registry

Array = np.ndarray


@dataclass(frozen=True)
class Neuron:
    """``z = sum_i w_i x_i + b``, ``y = f(z)``: dendrites -> synapses -> soma -> axon."""

    weights: tuple[float, ...]
    bias: float = 0.0
    activation: str = "sigmoid"

    def pre_activation(self, x: Array) -> Array:
        x = np.asarray(x, dtype=float)
        if x.shape[-1] != len(self.weights):
            raise ValueError(f"neuron has {len(self.weights)} weights, input has shape {x.shape}")
        return x @ np.asarray(self.weights, dtype=float) + self.bias

    def __call__(self, x: Array) -> Array:
        return get_activation(self.activation).forward(self.pre_activation(x))


def binary_inputs(n_inputs: int) -> Array:
    """All ``2^n`` binary input rows in counting order: 00, 01, 10, 11 for n = 2."""
    if n_inputs < 1:
        raise ValueError(f"n_inputs must be >= 1, got {n_inputs}")
    return np.array(list(itertools.product((0, 1), repeat=n_inputs)), dtype=int)


@dataclass(frozen=True)
class ThresholdUnit:
    """McCulloch-Pitts unit: binary inputs, fires (1) iff ``w . x >= theta``."""

    weights: tuple[float, ...]
    theta: float

    def __call__(self, x: Array) -> Array:
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != len(self.weights):
            raise ValueError(f"unit has {len(self.weights)} inputs, got input shape {x.shape}")
        if not np.isin(x, (0, 1)).all():
            raise ValueError("McCulloch-Pitts inputs must be binary (0 or 1)")
        return (x @ np.asarray(self.weights, dtype=float) >= self.theta).astype(int)

    def truth_table(self) -> tuple[Array, Array]:
        """``(inputs, outputs)`` over every binary input."""
        inputs = binary_inputs(len(self.weights))
        return inputs, self(inputs)


GATES: Registry[ThresholdUnit] = Registry("logic gate")
_GATE_WEIGHTS = {
    "AND": ((1, 1), 2),  # course 2.4
    "OR": ((1, 1), 1),  # course 2.4
    "NOT": ((-1,), 0),  # course 2.4
    "NAND": ((-1, -1), -1),
    "NOR": ((-1, -1), 0),
}
for _name, (_w, _theta) in _GATE_WEIGHTS.items():
    GATES.register(_name)(lambda w=_w, theta=_theta: ThresholdUnit(w, theta))

# Intended truth tables, over binary_inputs order (00, 01, 10, 11), used by the tests and report.
GATE_TARGETS = {
    "AND": (0, 0, 0, 1),
    "OR": (0, 1, 1, 1),
    "NOT": (1, 0),
    "NAND": (1, 1, 1, 0),
    "NOR": (1, 0, 0, 0),
}

# The 16 Boolean functions of two inputs, by output column on 00, 01, 10, 11.
BOOLEAN_FUNCTIONS_2 = {
    (0, 0, 0, 0): "FALSE",
    (0, 0, 0, 1): "AND",
    (0, 0, 1, 0): "x1 AND NOT x2",
    (0, 0, 1, 1): "x1",
    (0, 1, 0, 0): "NOT x1 AND x2",
    (0, 1, 0, 1): "x2",
    (0, 1, 1, 0): "XOR",
    (0, 1, 1, 1): "OR",
    (1, 0, 0, 0): "NOR",
    (1, 0, 0, 1): "XNOR",
    (1, 0, 1, 0): "NOT x2",
    (1, 0, 1, 1): "x1 OR NOT x2",
    (1, 1, 0, 0): "NOT x1",
    (1, 1, 0, 1): "NOT x1 OR x2",
    (1, 1, 1, 0): "NAND",
    (1, 1, 1, 1): "TRUE",
}


def count_threshold_functions(weight_grid: Array, theta_grid: Array) -> dict[str, int]:
    """How many units ``(w1, w2, theta)`` on the grid compute each 2-input Boolean function."""
    weight_grid, theta_grid = np.asarray(weight_grid, float), np.asarray(theta_grid, float)
    if weight_grid.ndim != 1 or theta_grid.ndim != 1 or not weight_grid.size or not theta_grid.size:
        raise ValueError("weight_grid and theta_grid must be non-empty 1-D arrays")
    w1, w2, theta = np.meshgrid(weight_grid, weight_grid, theta_grid, indexing="ij")
    weights = np.stack([w1.ravel(), w2.ravel()], axis=1)  # (units, 2)
    fires = binary_inputs(2) @ weights.T >= theta.ravel()  # (4 inputs, units)
    codes = (fires.astype(int) * np.array([8, 4, 2, 1])[:, None]).sum(axis=0)  # 00 is the MSB
    counts = np.bincount(codes, minlength=16)
    columns = list(itertools.product((0, 1), repeat=4))
    return {BOOLEAN_FUNCTIONS_2[col]: int(counts[i]) for i, col in enumerate(columns)}

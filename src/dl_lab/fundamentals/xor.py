"""XOR with small MLPs: the course's hand-set weights and training over many seeds (2.10).

The course prints ``W1 = [[10, -10], [10, -10]]``, ``b1 = [-5, 15]``, ``W2 = [10, 10]``,
``b2 = -15`` for ``h = sigmoid(W1 x + b1)``. Read with rows as hidden units (the stated
formula) the net outputs 0.006 on (0, 1); the weights work only when W1's *columns* are the
hidden units, i.e. the row form ``W1 = [[10, 10], [-10, -10]]`` (OR-like and NAND-like units).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from dl_lab.fundamentals.activations import sigmoid
from dl_lab.fundamentals.losses import get_loss
from dl_lab.fundamentals.mlp import MLP, ActivationLayer, Dense, build_mlp
from dl_lab.fundamentals.optimizers import build_optimizer
from dl_lab.fundamentals.seeds import seed_streams
from dl_lab.fundamentals.training import Objective, fit

Array = np.ndarray

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([0, 1, 1, 0], dtype=float)

COURSE_W1 = np.array([[10.0, -10.0], [10.0, -10.0]])
COURSE_B1 = np.array([-5.0, 15.0])
COURSE_W2 = np.array([[10.0, 10.0]])
COURSE_B2 = np.array([-15.0])


def course_xor_network(orientation: Literal["rows", "columns"]) -> MLP:
    """The course's 2-2-1 sigmoid net, W1 read as printed ("rows") or transposed ("columns")."""
    if orientation not in ("rows", "columns"):
        raise ValueError(f"orientation must be 'rows' or 'columns', got {orientation!r}")
    w1 = COURSE_W1 if orientation == "rows" else COURSE_W1.T
    return MLP(
        [
            Dense(w1, COURSE_B1),
            ActivationLayer("sigmoid"),
            Dense(COURSE_W2, COURSE_B2),
            ActivationLayer("sigmoid"),
        ]
    )


@dataclass(frozen=True)
class XorRun:
    """One training run: the trained net, its loss curve, outputs on the four points."""

    hidden: int
    seed_index: int
    model: MLP
    losses: list[float]
    probabilities: Array

    @property
    def solved(self) -> bool:
        """All four points on the right side of 0.5."""
        return bool(np.all((self.probabilities >= 0.5) == (XOR_Y == 1)))

    def summary(self) -> dict:
        """One table row: size, seed, solved, final loss and ``p(y=1)`` on each XOR input."""
        outputs = {
            f"p_{a}{b}": float(p)
            for (a, b), p in zip(XOR_X.astype(int), self.probabilities, strict=True)
        }
        return {
            "hidden": self.hidden,
            "seed_index": self.seed_index,
            "solved": self.solved,
            "final_bce": self.losses[-1],
            **outputs,
        }

    def hidden_representation(self, x: Array = XOR_X) -> Array:
        """The hidden layer's activations ``(n, hidden)`` for inputs ``x``."""
        self.model.forward(x)
        return self.model.outputs[1]


def train_xor(
    hidden: int,
    rng: np.random.Generator,
    activation: str = "sigmoid",
    epochs: int = 2000,
    lr: float = 1.0,
    optimizer: str = "gd",
    init: str = "xavier",
    seed_index: int = 0,
) -> XorRun:
    """Train a 2-``hidden``-1 MLP on the four XOR points (full batch, sigmoid + BCE output)."""
    model = build_mlp([2, hidden, 1], activation, "identity", init=init, rng=rng)
    objective = Objective(get_loss("binary_cross_entropy"))
    history = fit(model, objective, XOR_X, XOR_Y, build_optimizer(optimizer, lr=lr), epochs)
    probabilities = sigmoid(model.forward(XOR_X)[:, 0])
    return XorRun(hidden, seed_index, model, history.data_loss, probabilities)


def train_xor_seeds(hidden: int, n_seeds: int, seed: int, **kwargs) -> list[XorRun]:
    """``n_seeds`` runs from independent streams of ``np.random.SeedSequence(seed)``."""
    if n_seeds < 1:
        raise ValueError(f"n_seeds must be >= 1, got {n_seeds}")
    return [
        train_xor(hidden, rng, seed_index=i, **kwargs)
        for i, rng in enumerate(seed_streams(seed, hidden, n_seeds))
    ]


def decision_grid(
    model: MLP, resolution: int = 101, margin: float = 0.5
) -> tuple[Array, Array, Array]:
    """``(xx, yy, p)``: the net's probability on a square grid around the unit square."""
    axis = np.linspace(-margin, 1 + margin, resolution)
    xx, yy = np.meshgrid(axis, axis)
    logits = model.forward(np.column_stack([xx.ravel(), yy.ravel()]))[:, 0]
    return xx, yy, sigmoid(logits).reshape(xx.shape)

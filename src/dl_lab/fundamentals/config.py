"""The parameter blocks of the fundamentals experiments (``fundamentals.<block>`` in YAML)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, PositiveFloat, PositiveInt, field_validator

from dl_lab.config import Registered, StrictModel
from dl_lab.fundamentals.activations import ACTIVATIONS
from dl_lab.fundamentals.mlp import INITS
from dl_lab.fundamentals.optimizers import OPTIMIZERS
from dl_lab.fundamentals.regularizers import ACTIVITY_PENALTIES, WEIGHT_PENALTIES
from dl_lab.fundamentals.surfaces import SURFACES


class Grid(StrictModel):
    """``num`` evenly spaced values from ``low`` to ``high``."""

    low: float
    high: float
    num: PositiveInt

    def values(self) -> np.ndarray:
        return np.linspace(self.low, self.high, self.num)


class ThresholdSearchParams(StrictModel):
    """Grid of McCulloch-Pitts units (w1, w2, theta) searched for each Boolean function."""

    weights: Grid
    thresholds: Grid


class PerceptronParams(StrictModel):
    """Rosenblatt perceptron: learning rate, epoch limit, and the random separable set."""

    lr: PositiveFloat = 1.0
    max_epochs: PositiveInt = 100
    n_samples: int = Field(200, ge=2)
    dim: PositiveInt = 2
    margin: float = Field(0.05, ge=0)


class GradCheckParams(StrictModel):
    """Finite-difference step, batch and layer sizes of the gradient-check nets."""

    eps: PositiveFloat = 1e-6
    batch_size: PositiveInt = 5
    sizes: list[PositiveInt] = [4, 5, 3]
    penalty_strength: PositiveFloat = 0.01


class TwoLayerParams(StrictModel):
    """The course's 3-2-1 sigmoid net (2.7) trained by its own equations."""

    n_samples: PositiveInt = 32
    epochs: PositiveInt = 200
    lr: PositiveFloat = 1.0


class XorParams(StrictModel):
    """XOR MLPs 2-h-1 trained from ``n_seeds`` random initialisations each."""

    hidden_sizes: list[PositiveInt] = [2, 4]
    n_seeds: PositiveInt = 20
    activation: Registered(ACTIVATIONS) = "sigmoid"
    init: Registered(INITS) = "xavier"
    optimizer: Registered(OPTIMIZERS) = "gd"
    lr: PositiveFloat = 1.0
    epochs: PositiveInt = 2000


class LinearCollapseParams(StrictModel):
    """A deep net with identity activations, and how well it can do on XOR."""

    sizes: list[PositiveInt] = [2, 4, 4, 1]
    epochs: PositiveInt = 500
    lr: PositiveFloat = 0.5


class LearningRateParams(StrictModel):
    """GD on ``a (w - c)^2`` from ``w0`` for each learning rate (2.8)."""

    w0: float = 0.0
    a: PositiveFloat = 1.0
    c: float = 3.0
    learning_rates: list[PositiveFloat]
    steps: PositiveInt = 50
    tol: PositiveFloat = 1e-6
    table_steps: PositiveInt = 5


class OptimizerSpec(StrictModel):
    """One optimizer run: registry name, learning rate and (where used) momentum."""

    name: Registered(OPTIMIZERS)
    lr: PositiveFloat
    momentum: float | None = Field(None, ge=0, lt=1)

    def kwargs(self) -> dict[str, float]:
        return {"lr": self.lr} | ({} if self.momentum is None else {"momentum": self.momentum})

    @property
    def label(self) -> str:
        """``nesterov (lr=0.025, mu=0.9)``: the legend entry of the run."""
        momentum = "" if self.momentum is None else f", mu={self.momentum:g}"
        return f"{self.name} (lr={self.lr:g}{momentum})"


class SurfaceRun(StrictModel):
    """A cost surface, a start point, a tolerance, and the optimizers to race on it."""

    surface: Registered(SURFACES)
    surface_kwargs: dict[str, float] = {}
    start: list[float]
    tol: PositiveFloat
    max_steps: PositiveInt
    optimizers: list[OptimizerSpec]


class MomentumParams(StrictModel):
    """GD vs momentum vs Nesterov on each listed surface (2.18)."""

    runs: list[SurfaceRun]


class SoftmaxParams(StrictModel):
    """Logits, temperatures and the overflow probe for the softmax study (2.14)."""

    logits: list[float] = [2.0, 1.0, 0.1]
    temperatures: list[PositiveFloat] = [0.25, 0.5, 1.0, 2.0, 4.0]
    large_logits: list[float] = [1000.0, 1001.0, 1002.0]
    n_classes: int = Field(5, ge=2)
    batch_size: PositiveInt = 4
    eps: PositiveFloat = 1e-6


class PenaltySpec(StrictModel):
    """A weight penalty from the registry with strength ``lam``."""

    name: Registered(WEIGHT_PENALTIES)
    lam: float = Field(0.0, ge=0)
    l1_update: Literal["proximal", "subgradient"] = "proximal"

    @property
    def label(self) -> str:
        """``none``, ``l2 0.01`` or ``l1 0.01 (proximal)``: the variant's name in tables and metrics."""
        if self.name == "none":
            return "none"
        update = f" ({self.l1_update})" if self.name in ("l1", "elastic_net") else ""
        return f"{self.name} {self.lam:g}{update}"


class WeightPenaltyParams(StrictModel):
    """Teacher-labelled data with noise inputs; one MLP per weight penalty (2.12)."""

    n_train: PositiveInt = 100
    n_val: PositiveInt = 1000
    n_features: PositiveInt = 20
    n_informative: PositiveInt = 4
    label_noise: float = Field(0.05, ge=0, lt=0.5)
    hidden: PositiveInt = 32
    activation: Registered(ACTIVATIONS) = "tanh"
    lr: PositiveFloat = 0.3
    epochs: PositiveInt = 1500
    zero_tol: PositiveFloat = 1e-3
    variants: list[PenaltySpec]


class ActivitySpec(StrictModel):
    """An activity penalty on the hidden layer: ``none``, ``l1_activity`` or ``kl``."""

    name: Registered(ACTIVITY_PENALTIES)
    lam: float = Field(0.0, ge=0)
    rho: float = Field(0.05, gt=0, lt=1)

    @property
    def label(self) -> str:
        """``none`` or ``kl 0.3``: the variant's name in tables and metrics."""
        return "none" if self.name == "none" else f"{self.name} {self.lam:g}"


class SparsityParams(StrictModel):
    """A sigmoid autoencoder on bars images, with each activity penalty (2.15)."""

    n_samples: PositiveInt = 500
    size: int = Field(5, ge=2)
    p_bar: float = Field(0.15, gt=0, lt=1)
    hidden: PositiveInt = 20
    lr: PositiveFloat = 0.01
    epochs: PositiveInt = 3000
    active_threshold: float = Field(0.1, gt=0, lt=1)
    variants: list[ActivitySpec]


class DepthParams(StrictModel):
    """Nets of each depth (1 = shallow) on ``sawtooth(., k)`` at matched budgets (2.20)."""

    k: int = Field(3, ge=1, le=8)
    depths: list[int] = [1, 2, 3]
    budgets: list[int]
    n_seeds: PositiveInt = 3
    activation: Registered(ACTIVATIONS) = "leaky_relu"
    lr: PositiveFloat = 0.01
    epochs: PositiveInt = 3000
    n_train: int = Field(256, ge=8)
    exact_k_max: int = Field(8, ge=1, le=12)

    @field_validator("budgets")
    @classmethod
    def _big_enough(cls, budgets: list[int]) -> list[int]:
        if not budgets or min(budgets) < 7:
            raise ValueError(f"budgets must be a non-empty list of values >= 7, got {budgets}")
        return budgets

    @field_validator("depths")
    @classmethod
    def _positive_depths(cls, depths: list[int]) -> list[int]:
        if not depths or min(depths) < 1 or 1 not in depths:
            raise ValueError(
                f"depths must list positive depths including 1 (shallow), got {depths}"
            )
        return depths


class HebbianParams(StrictModel):
    """Linear associator: Hebb rule vs delta rule over growing numbers of stored pairs (2.19)."""

    n_inputs: PositiveInt = 32
    n_outputs: PositiveInt = 8
    pattern_counts: list[PositiveInt]
    correlation: float = Field(0.5, ge=0, lt=1)
    hebb_lr: PositiveFloat = 0.1
    delta_lr: float = Field(1.0, gt=0, lt=2)
    epochs: PositiveInt = 50

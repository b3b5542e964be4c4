"""First-order optimizers over named NumPy arrays, updated in place (2.6, 2.8, 2.18).

Momentum (``momentum``, ``nesterov``) follows ``torch.optim.SGD``: ``v <- mu v + g``,
``w <- w - lr v``; this is the convention the pipeline reports. The course's 2.18 form is the
exponential moving average ``v = beta v + (1 - beta) g`` (``momentum_ema``: ``Momentum`` with
``dampening = beta``); from ``v = 0`` it is exactly PyTorch's momentum with ``lr`` scaled by
``(1 - beta)``, so for the same ``lr`` its steps are ten times shorter at ``beta = 0.9``.
Nesterov uses PyTorch's form ``w <- w - lr (g + mu v)``, which is Sutskever et al. (2013)'s
look-ahead update ``v = mu v - lr grad(w + mu v)`` rewritten at the look-ahead point.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from dl_lab.registry import Registry

Array = np.ndarray
Params = Mapping[str, Array]


def _check_positive(name: str, value: float) -> None:
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")


def _check_unit(name: str, value: float) -> None:
    if not 0 <= value < 1:
        raise ValueError(f"{name} must lie in [0, 1), got {value!r}")


@dataclass
class GD:
    """Plain (full-batch or stochastic) gradient descent ``w <- w - lr g``."""

    lr: float

    def __post_init__(self) -> None:
        _check_positive("lr", self.lr)

    def step(self, params: Params, grads: Params) -> None:
        for name, w in params.items():
            w -= self.lr * grads[name]


@dataclass
class Momentum:
    """Heavy-ball momentum (Polyak 1964) or Nesterov, in ``torch.optim.SGD``'s convention.

    ``v <- mu v + (1 - dampening) g`` from ``v = 0``, ``w <- w - lr v``; ``dampening = mu`` is
    the course's 2.18 moving average (``momentum_ema``). PyTorch starts ``v`` at the first
    gradient undamped, so the two agree only for zero dampening; Nesterov needs zero dampening.
    """

    lr: float
    momentum: float = 0.9
    nesterov: bool = False
    dampening: float = 0.0
    velocity: dict[str, Array] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        _check_positive("lr", self.lr)
        _check_unit("momentum", self.momentum)
        _check_unit("dampening", self.dampening)
        if self.nesterov and self.dampening:
            raise ValueError("Nesterov momentum needs zero dampening")

    def step(self, params: Params, grads: Params) -> None:
        for name, w in params.items():
            g = grads[name]
            v = self.momentum * self.velocity.get(name, 0.0) + (1.0 - self.dampening) * g
            self.velocity[name] = v
            w -= self.lr * (g + self.momentum * v if self.nesterov else v)


@dataclass
class Adam:
    """Adam (Kingma & Ba 2015) with bias-corrected first and second moments."""

    lr: float = 1e-3
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    t: int = 0
    m: dict[str, Array] = field(default_factory=dict, repr=False)
    s: dict[str, Array] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        _check_positive("lr", self.lr)
        _check_unit("beta1", self.beta1)
        _check_unit("beta2", self.beta2)

    def step(self, params: Params, grads: Params) -> None:
        self.t += 1
        step_size = self.lr / (1 - self.beta1**self.t)  # bias corrections as in torch.optim.Adam
        root_correction = np.sqrt(1 - self.beta2**self.t)
        for name, w in params.items():
            g = grads[name]
            m = self.m.setdefault(name, np.zeros_like(w))
            s = self.s.setdefault(name, np.zeros_like(w))
            m *= self.beta1
            m += (1 - self.beta1) * g
            s *= self.beta2
            s += (1 - self.beta2) * g * g
            w -= step_size * m / (np.sqrt(s) / root_correction + self.eps)


Optimizer = GD | Momentum | Adam

OPTIMIZERS: Registry[Optimizer] = Registry("optimizer")
OPTIMIZERS.register("gd")(GD)
OPTIMIZERS.register("momentum")(lambda lr, momentum=0.9: Momentum(lr, momentum))
OPTIMIZERS.register("momentum_ema")(
    lambda lr, momentum=0.9: Momentum(lr, momentum, dampening=momentum)
)
OPTIMIZERS.register("nesterov")(lambda lr, momentum=0.9: Momentum(lr, momentum, nesterov=True))
OPTIMIZERS.register("adam")(Adam)


def build_optimizer(name: str, **kwargs: float) -> Optimizer:
    """An optimizer from the registry; unknown names list what exists."""
    return OPTIMIZERS.build(name, **kwargs)

"""Weight penalties (L1, L2, elastic net) and activity penalties (L1, KL sparsity) (2.12, 2.15).

L2 adds ``lam * sum(w^2)`` to the objective, so its gradient is ``2 lam w``, added **once**
(the course's 2.12 update counts it twice). L1's subgradient ``lam sign(w)`` makes plain
gradient descent hop around zero without ever landing on it; exact zeros come from the
proximal step (soft thresholding, as in ISTA: Daubechies et al. 2004; Parikh & Boyd 2014),
``w <- sign(w) max(|w| - lr lam, 0)`` after the gradient step of the smooth part.
Penalties apply to weights only, never to biases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from dl_lab.registry import Registry

Array = np.ndarray


@dataclass(frozen=True)
class WeightPenalty:
    """``l1 * sum|w| + l2 * sum w^2`` over weight matrices; L1 by prox or subgradient."""

    l1: float = 0.0
    l2: float = 0.0
    l1_update: Literal["proximal", "subgradient"] = "proximal"

    def __post_init__(self) -> None:
        if self.l1 < 0 or self.l2 < 0:
            raise ValueError(f"penalty strengths must be >= 0, got l1={self.l1}, l2={self.l2}")
        if self.l1_update not in ("proximal", "subgradient"):
            raise ValueError(
                f"l1_update must be 'proximal' or 'subgradient', got {self.l1_update!r}"
            )

    @property
    def active(self) -> bool:
        return bool(self.l1 or self.l2)

    def value(self, weights: list[Array]) -> float:
        if not self.active:
            return 0.0
        return float(sum(self.l1 * np.abs(w).sum() + self.l2 * (w**2).sum() for w in weights))

    def gradient(self, w: Array) -> Array:
        """Gradient of the part handled by the optimizer (L1 too when not proximal)."""
        grad = 2.0 * self.l2 * w
        if self.l1 and self.l1_update == "subgradient":
            grad = grad + self.l1 * np.sign(w)
        return grad

    def prox(self, w: Array, lr: float) -> None:
        """Soft-threshold ``w`` in place by ``lr * l1`` (no-op unless proximal L1)."""
        if self.l1 and self.l1_update == "proximal":
            w[...] = np.sign(w) * np.maximum(np.abs(w) - lr * self.l1, 0.0)


WEIGHT_PENALTIES: Registry[WeightPenalty] = Registry("weight penalty")
WEIGHT_PENALTIES.register("none")(lambda lam=0.0, l1_update="proximal": WeightPenalty())
WEIGHT_PENALTIES.register("l1")(
    lambda lam, l1_update="proximal": WeightPenalty(l1=lam, l1_update=l1_update)
)
WEIGHT_PENALTIES.register("l2")(lambda lam, l1_update="proximal": WeightPenalty(l2=lam))
WEIGHT_PENALTIES.register("elastic_net")(
    lambda lam, l1_update="proximal": WeightPenalty(l1=lam, l2=lam, l1_update=l1_update)
)


@dataclass(frozen=True)
class L1Activity:
    """``lam * mean_n sum_j |a_nj|``: pushes each hidden activation toward 0."""

    lam: float

    def value(self, a: Array) -> float:
        return float(self.lam * np.abs(a).sum() / a.shape[0])

    def gradient(self, a: Array) -> Array:
        return self.lam * np.sign(a) / a.shape[0]


@dataclass(frozen=True)
class KLSparsity:
    """``beta * sum_j KL(rho || rho_hat_j)`` with ``rho_hat_j`` the batch-mean activation.

    The sparse-autoencoder penalty (Ng, CS294A notes 2011); needs activations in (0, 1).
    """

    beta: float
    rho: float = 0.05

    def __post_init__(self) -> None:
        if not 0 < self.rho < 1:
            raise ValueError(f"target activation rho must lie in (0, 1), got {self.rho!r}")

    def _rho_hat(self, a: Array) -> Array:
        if a.min() < 0 or a.max() > 1:
            raise ValueError("KL sparsity needs activations in [0, 1] (use a sigmoid layer)")
        return np.clip(a.mean(axis=0), 1e-12, 1 - 1e-12)

    def value(self, a: Array) -> float:
        r, rh = self.rho, self._rho_hat(a)
        return float(self.beta * np.sum(r * np.log(r / rh) + (1 - r) * np.log((1 - r) / (1 - rh))))

    def gradient(self, a: Array) -> Array:
        r, rh = self.rho, self._rho_hat(a)
        per_unit = self.beta * (-r / rh + (1 - r) / (1 - rh))  # d/d rho_hat_j
        return np.broadcast_to(per_unit / a.shape[0], a.shape).copy()


ActivityPenalty = L1Activity | KLSparsity

ACTIVITY_PENALTIES: Registry[ActivityPenalty | None] = Registry("activity penalty")
ACTIVITY_PENALTIES.register("none")(lambda lam=0.0, rho=0.05: None)
ACTIVITY_PENALTIES.register("l1_activity")(lambda lam, rho=0.05: L1Activity(lam))
ACTIVITY_PENALTIES.register("kl")(lambda lam, rho=0.05: KLSparsity(lam, rho))

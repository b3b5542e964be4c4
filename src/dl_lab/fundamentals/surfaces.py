"""Cost surfaces and gradient-descent trajectories on them (2.6, 2.8, 2.18).

A surface gives ``f(w)``, ``grad f(w)`` and its minimiser. ``descend`` runs any optimizer
from ``optimizers`` and records every iterate, so step-by-step tables, trajectory plots and
steps-to-tolerance all come from the same run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dl_lab.fundamentals.optimizers import Optimizer
from dl_lab.registry import Registry

Array = np.ndarray


@dataclass(frozen=True)
class Surface:
    """A differentiable cost ``f`` on R^d with gradient ``grad`` and minimiser ``minimum``."""

    name: str
    f: Callable[[Array], float]
    grad: Callable[[Array], Array]
    minimum: Array

    @property
    def dim(self) -> int:
        return int(self.minimum.size)


SURFACES: Registry[Surface] = Registry("cost surface")


@SURFACES.register("shifted_quadratic")
def shifted_quadratic(a: float = 1.0, c: float = 3.0) -> Surface:
    """``L(w) = a (w - c)^2`` in one dimension (2.8 uses a = 1, c = 3)."""
    if not a > 0:
        raise ValueError(f"a must be > 0, got {a!r}")
    return Surface(
        "shifted_quadratic",
        lambda w: float(a * (w[0] - c) ** 2),
        lambda w: np.array([2.0 * a * (w[0] - c)]),
        np.array([float(c)]),
    )


@SURFACES.register("elongated_quadratic")
def elongated_quadratic(a: float = 1.0, b: float = 25.0) -> Surface:
    """``L(x, y) = (a x^2 + b y^2) / 2``: a ravine with condition number ``b / a``."""
    if not (a > 0 and b > 0):
        raise ValueError(f"a and b must be > 0, got a={a!r}, b={b!r}")
    return Surface(
        "elongated_quadratic",
        lambda w: float(0.5 * (a * w[0] ** 2 + b * w[1] ** 2)),
        lambda w: np.array([a * w[0], b * w[1]]),
        np.zeros(2),
    )


@SURFACES.register("rosenbrock")
def rosenbrock(a: float = 1.0, b: float = 100.0) -> Surface:
    """Rosenbrock (1960): ``(a - x)^2 + b (y - x^2)^2``, a curved valley, minimum at (a, a^2)."""
    return Surface(
        "rosenbrock",
        lambda w: float((a - w[0]) ** 2 + b * (w[1] - w[0] ** 2) ** 2),
        lambda w: np.array(
            [-2 * (a - w[0]) - 4 * b * w[0] * (w[1] - w[0] ** 2), 2 * b * (w[1] - w[0] ** 2)]
        ),
        np.array([a, a**2]),
    )


def build_surface(name: str, **kwargs: float) -> Surface:
    """A cost surface from the registry; unknown names list what exists."""
    return SURFACES.build(name, **kwargs)


@dataclass(frozen=True)
class Trajectory:
    """Iterates ``w`` ``(T + 1, d)`` with their costs, gradients, distances to the minimum."""

    w: Array
    loss: Array
    grad: Array
    distance: Array
    steps_to_tol: int | None
    diverged: bool


def descend(
    surface: Surface,
    optimizer: Optimizer,
    w0: Array,
    max_steps: int,
    tol: float = 1e-6,
    blow_up: float = 1e6,
) -> Trajectory:
    """Run ``optimizer`` from ``w0`` until ``||w - w*|| < tol``, ``max_steps``, or divergence."""
    w = np.array(w0, dtype=float).reshape(-1)
    if w.shape != surface.minimum.shape:
        raise ValueError(f"w0 must have {surface.dim} entries for {surface.name}, got {w.size}")
    if max_steps < 1 or tol < 0:
        raise ValueError(
            f"need max_steps >= 1 and tol >= 0 (0: never stop early), got {max_steps}, {tol}"
        )
    ws, losses, grads = [w.copy()], [surface.f(w)], [surface.grad(w)]
    steps_to_tol = 0 if np.linalg.norm(w - surface.minimum) < tol else None
    diverged, step = False, 0
    while steps_to_tol is None and not diverged and step < max_steps:
        step += 1
        optimizer.step({"w": w}, {"w": grads[-1]})
        ws.append(w.copy())
        losses.append(surface.f(w))
        grads.append(surface.grad(w))
        if not np.all(np.isfinite(w)) or np.abs(w).max() > blow_up:
            diverged = True
        elif np.linalg.norm(w - surface.minimum) < tol:
            steps_to_tol = step
    path = np.array(ws)
    distance = np.linalg.norm(path - surface.minimum, axis=1)
    return Trajectory(path, np.array(losses), np.array(grads), distance, steps_to_tol, diverged)


def direction_reversals(trajectory: Trajectory) -> int:
    """How often a step points against the previous one (``dw_t . dw_{t-1} < 0``): zig-zags."""
    steps = np.diff(trajectory.w, axis=0)
    return int(np.sum(np.einsum("ij,ij->i", steps[1:], steps[:-1]) < 0))

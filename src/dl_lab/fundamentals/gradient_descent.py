"""Gradient descent written out step by step (2.6) and the learning-rate regimes (2.8).

On ``L(w) = a (w - c)^2`` one GD step maps ``w - c`` to ``(1 - 2 a lr)(w - c)``, so with
``a = 1``: ``lr < 0.5`` converges monotonically, ``lr = 0.5`` lands on ``c`` in one step,
``0.5 < lr < 1`` converges while overshooting, ``lr = 1`` bounces between two points with a
constant loss forever, and only ``lr > 1`` diverges. ``classify_regime`` reads the regime
off a measured trajectory; ``lr_sweep`` sets it beside the analytic factor.
"""

from __future__ import annotations

import numpy as np

from dl_lab.fundamentals.optimizers import GD
from dl_lab.fundamentals.surfaces import Trajectory, descend, shifted_quadratic

Array = np.ndarray


def linear_gd_steps(x: Array, y: Array, w: float, b: float, lr: float, steps: int) -> list[dict]:
    """GD on ``y_hat = w x + b``, ``L = mean 1/2 (y - y_hat)^2``: every quantity of every step."""
    x, y = np.atleast_1d(np.asarray(x, float)), np.atleast_1d(np.asarray(y, float))
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be 1-D of the same length, got {x.shape} and {y.shape}")
    rows = []
    for step in range(1, steps + 1):
        y_hat = w * x + b
        error = y_hat - y
        grad_w, grad_b = float(np.mean(error * x)), float(np.mean(error))
        row = {
            "step": step,
            "w": w,
            "b": b,
            "y_hat": float(y_hat.mean()),
            "error": float(error.mean()),
            "loss": float(np.mean(0.5 * error**2)),
            "grad_w": grad_w,
            "grad_b": grad_b,
        }
        w, b = w - lr * grad_w, b - lr * grad_b
        row.update(w_new=w, b_new=b, loss_new=float(np.mean(0.5 * (w * x + b - y) ** 2)))
        rows.append(row)
    return rows


def step_table(trajectory: Trajectory, lr: float, steps: int) -> list[dict]:
    """The first ``steps`` updates of a 1-D trajectory: w, gradient, lr * gradient, new w."""
    rows = []
    for t in range(min(steps, len(trajectory.w) - 1)):
        w, g = float(trajectory.w[t, 0]), float(trajectory.grad[t, 0])
        rows.append(
            {
                "step": t + 1,
                "w": w,
                "loss": float(trajectory.loss[t]),
                "gradient": g,
                "lr_times_gradient": lr * g,
                "w_new": float(trajectory.w[t + 1, 0]),
            }
        )
    return rows


def classify_regime(trajectory: Trajectory, minimum: Array, rtol: float = 1e-9) -> str:
    """``diverges``, ``oscillates``, ``one_step``, ``converges`` or ``slow`` (not within budget)."""
    d = trajectory.distance
    if trajectory.diverged or d[-1] > d[0] * (1 + rtol):
        return "diverges"
    if d[-1] >= d[0] * (1 - rtol):
        return "oscillates" if overshoots(trajectory, minimum) else "stalls"
    if trajectory.steps_to_tol == 1:
        return "one_step"
    return "converges" if trajectory.steps_to_tol is not None else "slow"


def overshoots(trajectory: Trajectory, minimum: Array) -> bool:
    """Whether the iterates jump across the minimum (``w - w*`` changes sign)."""
    side = np.sign(trajectory.w[:, 0] - minimum[0])
    side = side[side != 0]
    return bool(np.any(side[1:] != side[:-1]))


def run_learning_rates(
    learning_rates: list[float], w0: float, a: float, c: float, steps: int, tol: float
) -> dict[float, Trajectory]:
    """Plain GD on ``a (w - c)^2`` from ``w0`` for each learning rate."""
    surface = shifted_quadratic(a, c)
    return {lr: descend(surface, GD(lr), [w0], max_steps=steps, tol=tol) for lr in learning_rates}


def describe_run(trajectory: Trajectory, lr: float, a: float, c: float) -> dict:
    """Regime, final state, and the measured vs analytic contraction factor of one run."""
    w0 = float(trajectory.w[0, 0])
    minimum = np.array([float(c)])
    return {
        "lr": lr,
        "regime": classify_regime(trajectory, minimum),
        "overshoots": overshoots(trajectory, minimum),
        "analytic_factor": 1 - 2 * a * lr,
        "measured_factor": float((trajectory.w[1, 0] - c) / (w0 - c)) if w0 != c else float("nan"),
        "steps_to_tol": trajectory.steps_to_tol,
        "steps_run": len(trajectory.w) - 1,
        "final_w": float(trajectory.w[-1, 0]),
        "final_loss": float(trajectory.loss[-1]),
    }


def lr_sweep(
    learning_rates: list[float], w0: float, a: float, c: float, steps: int, tol: float
) -> list[dict]:
    """``describe_run`` for each learning rate on ``a (w - c)^2``."""
    runs = run_learning_rates(learning_rates, w0, a, c, steps, tol)
    return [describe_run(traj, lr, a, c) for lr, traj in runs.items()]

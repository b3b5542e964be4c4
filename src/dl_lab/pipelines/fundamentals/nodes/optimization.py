"""Nodes for gradient descent step by step, learning rates, momentum and softmax (2.6-2.18)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_lab.fundamentals.config import (
    LearningRateParams,
    MomentumParams,
    SoftmaxParams,
)
from dl_lab.fundamentals.gradcheck import numerical_gradient, relative_error
from dl_lab.fundamentals.gradient_descent import (
    describe_run,
    linear_gd_steps,
    run_learning_rates,
    step_table,
)
from dl_lab.fundamentals.optimizers import build_optimizer
from dl_lab.fundamentals.seeds import experiment_rng
from dl_lab.fundamentals.softmax import (
    cross_entropy,
    cross_entropy_grad,
    entropy,
    naive_softmax,
    softmax,
)
from dl_lab.fundamentals.surfaces import build_surface, descend, direction_reversals
from dl_lab.reporting.fundamentals.optimization import (
    plot_learning_rates,
    plot_momentum,
    plot_softmax,
)
from dl_lab.tracking import metric_values


def tabulate_gd_steps(params: LearningRateParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The course's 2.6 regression step, and the first GD steps on a (w - c)^2 (w, grad, new w)."""
    linear = pd.DataFrame(linear_gd_steps([3.0], [6.0], w=0.5, b=0.0, lr=0.1, steps=3))
    runs = run_learning_rates(
        params.learning_rates, params.w0, params.a, params.c, params.table_steps, tol=0.0
    )
    rows = [
        {"lr": lr, **row}
        for lr, traj in runs.items()
        for row in step_table(traj, lr, params.table_steps)
    ]
    return linear, pd.DataFrame(rows)


def sweep_learning_rates(params: LearningRateParams) -> tuple[pd.DataFrame, Figure, dict]:
    """Regime of each learning rate on a (w - c)^2: slow, one step, converges, oscillates, diverges."""
    trajectories = run_learning_rates(
        params.learning_rates, params.w0, params.a, params.c, params.steps, params.tol
    )
    table = pd.DataFrame(
        [describe_run(t, lr, params.a, params.c) for lr, t in trajectories.items()]
    )
    regimes = dict(zip(table["lr"], table["regime"], strict=True))
    metrics = {
        f"lr_{lr:g}_final_loss": loss
        for lr, loss in zip(table["lr"], table["final_loss"], strict=True)
    }
    return table, plot_learning_rates(trajectories, regimes), metric_values(metrics)


def race_optimizers(params: MomentumParams) -> tuple[pd.DataFrame, Figure, dict]:
    """GD, momentum (PyTorch and EMA conventions) and Nesterov on each surface: steps to tol."""
    rows, results, surfaces, metrics = [], {}, {}, {}
    for run in params.runs:
        surface = build_surface(run.surface, **run.surface_kwargs)
        surfaces[run.surface], results[run.surface] = surface, {}
        for spec in run.optimizers:
            traj = descend(
                surface,
                build_optimizer(spec.name, **spec.kwargs()),
                run.start,
                run.max_steps,
                run.tol,
            )
            results[run.surface][spec.label] = traj
            rows.append(
                {
                    "surface": run.surface,
                    "optimizer": spec.name,
                    "lr": spec.lr,
                    "momentum": spec.momentum,
                    "steps_to_tol": traj.steps_to_tol,
                    "tol": run.tol,
                    "max_steps": run.max_steps,
                    "diverged": traj.diverged,
                    "final_distance": traj.distance[-1],
                    "final_loss": traj.loss[-1],
                    "direction_reversals": direction_reversals(traj),
                }
            )
            steps = traj.steps_to_tol if traj.steps_to_tol is not None else run.max_steps
            metrics[f"{run.surface}.{spec.name}_steps"] = steps
    return pd.DataFrame(rows), plot_momentum(results, surfaces), metric_values(metrics)


def _temperature_table(logits: list[float], temperatures: list[float]) -> pd.DataFrame:
    rows = []
    for t in temperatures:
        p = softmax(np.array(logits), temperature=t)
        rows.append(
            {
                "temperature": t,
                **{f"p{i + 1}": v for i, v in enumerate(p)},
                "entropy": float(entropy(p)),
                "argmax": int(p.argmax()),
            }
        )
    return pd.DataFrame(rows)


def _stability_table(large_logits: list[float]) -> pd.DataFrame:
    large = np.array(large_logits)
    rows = [
        {
            "method": name,
            "logits": str(large_logits),
            "probabilities": str(np.round(p, 6).tolist()),
            "finite": bool(np.all(np.isfinite(p))),
        }
        for name, p in (
            ("naive exp(z)/sum exp(z)", naive_softmax(large)),
            ("stable (subtract max)", softmax(large)),
        )
    ]
    return pd.DataFrame(rows)


def explore_softmax(
    params: SoftmaxParams, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, Figure, dict]:
    """Softmax against temperature; naive vs stable on large logits; dCE/dz = p - y checked."""
    table = _temperature_table(params.logits, params.temperatures)
    stability = _stability_table(params.large_logits)
    rng = experiment_rng(seed, "softmax")
    z = rng.normal(size=(params.batch_size, params.n_classes)) * 3
    labels = rng.integers(0, params.n_classes, size=params.batch_size)
    numeric = numerical_gradient(lambda: cross_entropy(z, labels), z, params.eps)
    error = relative_error(cross_entropy_grad(z, labels), numeric)
    metrics = {
        "softmax_ce_grad_relative_error": error,
        "softmax_naive_finite": bool(stability["finite"].iloc[0]),
    }
    return table, stability, plot_softmax(table), metric_values(metrics)

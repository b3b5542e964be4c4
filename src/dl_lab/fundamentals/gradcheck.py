"""Finite-difference gradient checks for hand-written backpropagation (2.3, 2.7, 2.13).

Each parameter entry is nudged by ``+-eps`` and the central difference
``(J(w + eps) - J(w - eps)) / 2 eps`` (error O(eps^2)) is compared with the analytic
gradient. The reported relative error per parameter array is
``||g_analytic - g_numeric|| / max(||g_analytic|| + ||g_numeric||, tiny)``, the norm form
used in the UFLDL gradient-checking notes; it stays meaningful where single entries are 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from dl_lab.fundamentals.activations import ACTIVATIONS
from dl_lab.fundamentals.losses import LOSSES, get_loss
from dl_lab.fundamentals.mlp import MLP, build_mlp
from dl_lab.fundamentals.regularizers import ACTIVITY_PENALTIES, WEIGHT_PENALTIES
from dl_lab.fundamentals.training import Objective

Array = np.ndarray


def relative_error(analytic: Array, numeric: Array) -> float:
    """Norm-wise relative difference of two gradients of the same shape."""
    analytic, numeric = np.asarray(analytic, dtype=float), np.asarray(numeric, dtype=float)
    if analytic.shape != numeric.shape:
        raise ValueError(f"gradient shapes differ: {analytic.shape} vs {numeric.shape}")
    denominator = max(np.linalg.norm(analytic) + np.linalg.norm(numeric), 1e-300)
    return float(np.linalg.norm(analytic - numeric) / denominator)


def numerical_gradient(f: Callable[[], float], param: Array, eps: float = 1e-6) -> Array:
    """Central differences of ``f()`` with respect to every entry of ``param`` (restored after)."""
    if param.dtype != np.float64:
        raise TypeError(f"gradient checks need float64 parameters, got {param.dtype}")
    grad = np.zeros_like(param)
    flat, flat_grad = param.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + eps
        up = f()
        flat[i] = original - eps
        down = f()
        flat[i] = original
        flat_grad[i] = (up - down) / (2 * eps)
    return grad


def check_model(
    model: MLP, objective: Objective, x: Array, y: Array, eps: float = 1e-6
) -> dict[str, float]:
    """Relative error of the backprop gradient of every parameter, and of the input (``"x"``)."""
    x = np.array(x, dtype=float)
    _, _, analytic = objective(model, x, y)
    analytic = {k: v.copy() for k, v in analytic.items()}
    analytic["x"] = _input_gradient(model, objective, x, y)

    def value() -> float:
        return objective(model, x, y)[0]

    params: Mapping[str, Array] = {**model.named_params(), "x": x}
    return {
        name: relative_error(analytic[name], numerical_gradient(value, param, eps))
        for name, param in params.items()
    }


def _input_gradient(model: MLP, objective: Objective, x: Array, y: Array) -> Array:
    """``dJ/dx`` from the backward pass (weight penalties do not depend on x)."""
    output = model.forward(x)
    extra = {i: p.gradient(model.outputs[i]) for i, p in objective.activity.items()}
    return model.backward(objective.loss.gradient(output, y), extra)


def sample_targets(loss: str, n: int, k: int, rng: np.random.Generator) -> Array:
    """Targets a loss accepts: class labels, binary matrices or real matrices ``(n, k)``."""
    if loss == "cross_entropy":
        return rng.integers(0, k, size=n)
    if loss == "binary_cross_entropy":
        return rng.integers(0, 2, size=(n, k)).astype(float)
    return rng.normal(size=(n, k))


def suite_cases(
    sizes: list[int], batch_size: int, rng: np.random.Generator, strength: float = 0.01
) -> list[tuple[str, MLP, Objective, Array, Array]]:
    """One small net per activation, per loss, per penalty, and the course's 3-2-1 net (2.7)."""
    x = rng.normal(size=(batch_size, sizes[0]))
    y = rng.normal(size=(batch_size, sizes[-1]))
    mse = Objective(get_loss("mse"))
    cases = [
        (f"activation {name}", build_mlp(sizes, name, init="torch_default", rng=rng), mse, x, y)
        for name in ACTIVATIONS.available()
    ]
    for name in LOSSES.available():
        model = build_mlp(sizes, "tanh", init="torch_default", rng=rng)
        target = sample_targets(name, batch_size, sizes[-1], rng)
        cases.append((f"loss {name}", model, Objective(get_loss(name)), x, target))
    for name in ("l1", "l2", "elastic_net"):
        penalty = WEIGHT_PENALTIES.build(name, lam=strength, l1_update="subgradient")
        model = build_mlp(sizes, "tanh", init="torch_default", rng=rng)
        cases.append((f"weight penalty {name}", model, Objective(get_loss("mse"), penalty), x, y))
    for name, activation in (("l1_activity", "tanh"), ("kl", "sigmoid")):
        activity = {1: ACTIVITY_PENALTIES.build(name, lam=strength * 10)}
        model = build_mlp(sizes, activation, init="torch_default", rng=rng)
        cases.append(
            (f"activity penalty {name}", model, Objective(get_loss("mse"), activity=activity), x, y)
        )
    course = build_mlp([3, 2, 1], "sigmoid", "sigmoid", init="torch_default", rng=rng)
    x3, y3 = (
        rng.normal(size=(batch_size, 3)),
        rng.integers(0, 2, size=(batch_size, 1)).astype(float),
    )
    cases.append(
        ("course 3-2-1 sigmoid, 1/2 SSE (2.7)", course, Objective(get_loss("half_sse")), x3, y3)
    )
    return cases


def run_suite(
    sizes: list[int],
    batch_size: int,
    rng: np.random.Generator,
    eps: float = 1e-6,
    strength: float = 0.01,
) -> list[dict]:
    """``check_model`` over ``suite_cases``: one row per case and parameter array."""
    rows = []
    for case, model, objective, x, y in suite_cases(sizes, batch_size, rng, strength):
        for param, error in check_model(model, objective, x, y, eps).items():
            rows.append({"case": case, "parameter": param, "relative_error": error})
    return rows

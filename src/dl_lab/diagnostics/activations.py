"""Activation functions by name (course 1.14, 2.2, 2.9, 2.24): curves, derivatives, statistics.

Each entry builds a fresh module (PReLU has a learnable slope). ``RANGES`` states each
function's output range; ``activation_curves`` measures values and derivatives with
autograd so the plotted derivative is what back-propagation uses. Softmax is an output
layer over a vector, not a hidden activation: ``softmax_curve`` shows one component as
its own logit varies against fixed others.

Recommended initializations (``INIT_FOR``): Glorot & Bengio (2010) for sigmoid/tanh, He
et al. (2015) for the ReLU family, LeCun normal for SELU (Klambauer et al., 2017).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import nn

from dl_lab.models.activations import ACTIVATIONS, build_activation

RANGES = {
    "sigmoid": "(0, 1)",
    "tanh": "(-1, 1)",
    "relu": "[0, inf)",
    "leaky_relu": "(-inf, inf)",
    "prelu": "(-inf, inf)",
    "elu": "(-1, inf)",
    "selu": "(-1.758, inf)",
    "gelu": "[-0.17, inf)",
    "silu": "[-0.278, inf)",
    "softmax": "(0, 1), components sum to 1",
}

INIT_FOR = {
    "sigmoid": "xavier",
    "tanh": "xavier",
    "relu": "he",
    "leaky_relu": "he",
    "prelu": "he",
    "elu": "he",
    "gelu": "he",
    "silu": "he",
    "selu": "lecun",
}


def activation_curves(names: list[str], low: float = -5.0, high: float = 5.0) -> pd.DataFrame:
    """Long table ``activation``, ``x``, ``y``, ``dy_dx`` on a grid (derivative by autograd)."""
    frames = []
    for name in names:
        x = torch.linspace(low, high, 401, dtype=torch.float64, requires_grad=True)
        y = build_activation(name).double()(x)
        (grad,) = torch.autograd.grad(y.sum(), x)
        frames.append(
            pd.DataFrame(
                {"activation": name, "x": x.detach(), "y": y.detach(), "dy_dx": grad.detach()}
            )
        )
    return pd.concat(frames, ignore_index=True)


def softmax_curve(others: tuple[float, ...] = (0.0, -1.0), low: float = -5.0, high: float = 5.0):
    """Softmax's first component as its logit x varies (other logits fixed), and d s_1/d x."""
    x = torch.linspace(low, high, 401, dtype=torch.float64, requires_grad=True)
    logits = torch.stack([x, *[torch.full_like(x, v) for v in others]], dim=1)  # (401, K)
    y = torch.softmax(logits, dim=1)[:, 0]
    (grad,) = torch.autograd.grad(y.sum(), x)
    return pd.DataFrame({"activation": "softmax", "x": x.detach(), "y": y.detach(), "dy_dx": grad})


def curve_summary(curves: pd.DataFrame) -> pd.DataFrame:
    """Per activation: stated range, observed min/max on the grid, max derivative, zero-centred."""
    rows = []
    for name, part in curves.groupby("activation", sort=False):
        at_zero = part.iloc[(part["x"].abs()).to_numpy().argmin()]
        rows.append(
            {
                "activation": name,
                "range": RANGES.get(str(name), "?"),
                "min_on_grid": float(part["y"].min()),
                "max_on_grid": float(part["y"].max()),
                "value_at_0": float(at_zero["y"]),
                "max_derivative": float(part["dy_dx"].max()),
                "derivative_at_0": float(at_zero["dy_dx"]),
                "zero_centred": bool(abs(at_zero["y"]) < 1e-9 and part["y"].min() < 0),
            }
        )
    return pd.DataFrame(rows)


@torch.no_grad()
def layer_statistics(model: nn.Module, x: torch.Tensor) -> pd.DataFrame:
    """Per activation layer on inputs ``x``: output mean, variance, fraction of exact zeros,
    and the fraction of dead units (zero for every input: a dead ReLU)."""
    outputs: list[torch.Tensor] = []
    kinds = {type(build_activation(name)) for name in ACTIVATIONS}
    hooks = [
        m.register_forward_hook(lambda _m, _i, out: outputs.append(out))
        for m in model.modules()
        if type(m) in kinds
    ]
    was_training = model.training
    model.eval()
    try:
        model(x)
    finally:
        model.train(was_training)
        for hook in hooks:
            hook.remove()
    rows = []
    for layer, out in enumerate(outputs, start=1):
        zero = out == 0
        rows.append(
            {"layer": layer, "mean": float(out.mean()), "variance": float(out.var()),
             "zero_fraction": float(zero.float().mean()),
             "dead_fraction": float(zero.all(dim=0).float().mean())}
        )  # fmt: skip
    return pd.DataFrame(rows)


def first_epoch_reaching(values: pd.Series, epochs: pd.Series, target: float) -> float:
    """The first epoch whose value reaches ``target`` (NaN when none does)."""
    hit = np.flatnonzero(values.to_numpy() >= target)
    return float(epochs.iloc[hit[0]]) if len(hit) else float("nan")

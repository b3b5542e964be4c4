"""Nodes for backpropagation: gradient checks, the course's 2-layer net, linear collapse."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_lab.fundamentals.activations import sigmoid
from dl_lab.fundamentals.backprop import train_two_layer
from dl_lab.fundamentals.config import (
    GradCheckParams,
    LinearCollapseParams,
    TwoLayerParams,
)
from dl_lab.fundamentals.gradcheck import run_suite
from dl_lab.fundamentals.losses import get_loss
from dl_lab.fundamentals.mlp import build_mlp, single_linear_map
from dl_lab.fundamentals.optimizers import GD
from dl_lab.fundamentals.seeds import experiment_rng
from dl_lab.fundamentals.training import Objective, fit
from dl_lab.fundamentals.xor import XOR_X, XOR_Y
from dl_lab.reporting.fundamentals.neurons import plot_activations, plot_two_layer_trace
from dl_lab.tracking import metric_values


def check_gradients(params: GradCheckParams, seed: int) -> tuple[pd.DataFrame, dict]:
    """Backprop vs central differences for every activation, loss and penalty (float64)."""
    rows = run_suite(
        params.sizes,
        params.batch_size,
        experiment_rng(seed, "gradcheck"),
        params.eps,
        params.penalty_strength,
    )
    table = pd.DataFrame(rows)
    per_case = table.groupby("case")["relative_error"].max()
    metrics = {"gradcheck_max_relative_error": per_case.max(), "gradcheck_cases": len(per_case)}
    return table, metric_values(metrics)


def trace_two_layer_backprop(params: TwoLayerParams, seed: int) -> tuple[pd.DataFrame, Figure]:
    """Train the course's 3-2-1 sigmoid net with its own equations; log |delta| per layer."""
    rng = experiment_rng(seed, "two_layer")
    x = rng.normal(size=(params.n_samples, 3))
    y = (x @ np.array([1.0, 1.0, -1.0]) > 0).astype(float)
    init = {
        "W1": rng.uniform(-1, 1, size=(2, 3)),
        "b1": np.zeros(2),
        "W2": rng.uniform(-1, 1, size=(1, 2)),
        "b2": np.zeros(1),
    }
    trace = pd.DataFrame(train_two_layer(x, y, init, params.lr, params.epochs))
    return trace, plot_two_layer_trace(trace)


def demonstrate_linear_collapse(
    params: LinearCollapseParams, seed: int
) -> tuple[pd.DataFrame, Figure, dict]:
    """A deep identity-activation net is one affine map and cannot solve XOR (2.2)."""
    rng = experiment_rng(seed, "linear_collapse")
    model = build_mlp(params.sizes, "identity", init="xavier", rng=rng)
    weight, bias = single_linear_map(model)
    probe = rng.normal(size=(100, params.sizes[0]))
    gap = float(np.abs(model.forward(probe) - (probe @ weight.T + bias)).max())
    history = fit(
        model,
        Objective(get_loss("binary_cross_entropy")),
        XOR_X,
        XOR_Y,
        GD(params.lr),
        params.epochs,
    )
    p = sigmoid(model.forward(XOR_X)[:, 0])
    decided = np.abs(p - 0.5) > 0.01  # points the net puts clearly on one side
    correct = int(np.sum(decided & ((p > 0.5) == (XOR_Y == 1))))
    table = pd.DataFrame(
        [
            {"quantity": "max |deep(x) - collapsed(x)| on 100 random inputs", "value": gap},
            {
                "quantity": "XOR final BCE (ln 2 = 0.6931: the constant p = 0.5)",
                "value": history.data_loss[-1],
            },
            {
                "quantity": "max |p - 0.5| on the four XOR points",
                "value": float(np.abs(p - 0.5).max()),
            },
            {"quantity": "XOR points classified correctly with |p - 0.5| > 0.01", "value": correct},
        ]
    )
    metrics = {"linear_collapse_gap": gap, "linear_net_xor_bce": history.data_loss[-1]}
    return table, plot_activations(), metric_values(metrics)

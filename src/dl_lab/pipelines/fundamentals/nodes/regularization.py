"""Nodes for weight penalties (2.12) and activity sparsity (2.15) on the NumPy MLP."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_lab.fundamentals.activations import sigmoid
from dl_lab.fundamentals.data import bars, matched_bars, teacher_splits
from dl_lab.fundamentals.losses import get_loss
from dl_lab.fundamentals.mlp import build_mlp
from dl_lab.fundamentals.optimizers import GD, Adam
from dl_lab.fundamentals.regularizers import ACTIVITY_PENALTIES, WEIGHT_PENALTIES
from dl_lab.fundamentals.training import Objective, fit
from dl_lab.pipelines.fundamentals.figures.representation import (
    plot_sparsity,
    plot_weight_penalties,
)
from dl_lab.pipelines.fundamentals.nodes._common import as_metrics, rng_for
from dl_lab.pipelines.fundamentals.params import PenaltySpec, SparsityParams, WeightPenaltyParams


def _variant(spec: PenaltySpec) -> str:
    suffix = f" ({spec.l1_update})" if spec.name in ("l1", "elastic_net") else ""
    return "none" if spec.name == "none" else f"{spec.name} {spec.lam:g}{suffix}"


def _accuracy(model, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((sigmoid(model.forward(x)[:, 0]) >= 0.5) == (y == 1)))


def compare_weight_penalties(
    params: WeightPenaltyParams, seed: int
) -> tuple[pd.DataFrame, Figure, dict]:
    """One MLP per penalty from the same init: accuracy, weight sizes, exact and near zeros."""
    rng = rng_for(seed, "weight_penalties")
    x_tr, y_tr, x_va, y_va = teacher_splits(
        params.n_train,
        params.n_val,
        params.n_features,
        params.n_informative,
        rng,
        params.label_noise,
    )
    init_rng_state = rng.bit_generator.state
    rows, first_layers, metrics = [], {}, {}
    for spec in params.variants:
        rng.bit_generator.state = init_rng_state  # every variant starts from the same weights
        model = build_mlp([params.n_features, params.hidden, 1], params.activation, rng=rng)
        penalty = WEIGHT_PENALTIES.build(spec.name, lam=spec.lam, l1_update=spec.l1_update)
        objective = Objective(get_loss("binary_cross_entropy"), penalty)
        fit(model, objective, x_tr, y_tr, GD(params.lr), params.epochs)
        w1 = model.dense_layers()[0].weight  # (hidden, n_features)
        noise_columns = w1[:, params.n_informative :]
        label = _variant(spec)
        first_layers[label] = w1.copy()
        rows.append(
            {
                "variant": label,
                "penalty": spec.name,
                "lam": spec.lam,
                "l1_update": spec.l1_update,
                "train_acc": _accuracy(model, x_tr, y_tr),
                "val_acc": _accuracy(model, x_va, y_va),
                "l2_norm_w1": float(np.linalg.norm(w1)),
                "frac_exact_zero": float(np.mean(w1 == 0)),
                "frac_abs_below_tol": float(np.mean(np.abs(w1) < params.zero_tol)),
                "frac_noise_inputs_dropped": float(np.mean(np.all(noise_columns == 0, axis=0))),
                "informative_share_of_abs_w1": float(
                    np.abs(w1[:, : params.n_informative]).sum() / max(np.abs(w1).sum(), 1e-300)
                ),
            }
        )
        metrics[f"{label.replace(' ', '_')}.val_acc"] = rows[-1]["val_acc"]
    table = pd.DataFrame(rows)
    table["train_val_gap"] = table["train_acc"] - table["val_acc"]
    table["informative_share_if_uniform"] = params.n_informative / params.n_features
    return table, plot_weight_penalties(first_layers, table), as_metrics(metrics)


def compare_activity_sparsity(
    params: SparsityParams, seed: int
) -> tuple[pd.DataFrame, Figure, dict]:
    """A sigmoid autoencoder on bars with no / L1 / KL activity penalty: how sparse is the code?"""
    rng = rng_for(seed, "activity_sparsity")
    x = bars(params.n_samples, params.size, params.p_bar, rng)
    d = params.size**2
    init_rng_state = rng.bit_generator.state
    rows, fields, activity, metrics = [], {}, {}, {}
    for spec in params.variants:
        rng.bit_generator.state = init_rng_state
        model = build_mlp([d, params.hidden, d], "sigmoid", rng=rng)
        penalty = ACTIVITY_PENALTIES.build(spec.name, lam=spec.lam, rho=spec.rho)
        objective = Objective(get_loss("mse"), activity={} if penalty is None else {1: penalty})
        fit(model, objective, x, x, Adam(lr=params.lr), params.epochs)
        reconstruction = model.forward(x)
        hidden = model.outputs[1]  # (n, hidden) sigmoid activations
        label = spec.name if spec.name == "none" else f"{spec.name} {spec.lam:g}"
        fields[label], activity[label] = model.dense_layers()[0].weight.copy(), hidden.copy()
        rows.append(
            {
                "variant": label,
                "penalty": spec.name,
                "lam": spec.lam,
                "rho": spec.rho,
                "mean_activation": float(hidden.mean()),
                "frac_active": float(np.mean(hidden > params.active_threshold)),
                "active_units_per_image": float(
                    np.mean(np.sum(hidden > params.active_threshold, axis=1))
                ),
                "bars_per_image": float(np.mean(_bar_count(x, params.size))),
                "bars_matched_by_a_unit": matched_bars(fields[label], params.size),
                "bars_total": 2 * params.size,
                "reconstruction_mse": float(np.mean((reconstruction - x) ** 2)),
            }
        )
        metrics[f"{label.replace(' ', '_')}.frac_active"] = rows[-1]["frac_active"]
    table = pd.DataFrame(rows)
    return table, plot_sparsity(fields, activity, params.size), as_metrics(metrics)


def _bar_count(x: np.ndarray, size: int) -> np.ndarray:
    """Bars present per image: full rows plus full columns of the ``size x size`` image."""
    images = x.reshape(-1, size, size)
    return images.all(axis=2).sum(axis=1) + images.all(axis=1).sum(axis=1)

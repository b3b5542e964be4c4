"""Experiments with the penalties of ``regularizers`` on the NumPy MLP (2.12, 2.15).

* ``weight_penalty_run``: a classifier on teacher data with noise inputs; how large, how
  sparse and how well aimed its first-layer weights end up, and the train/val accuracy.
* ``activity_penalty_run``: a sigmoid autoencoder on bars images; how many hidden units fire
  per image and how many units become single-bar detectors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dl_lab.fundamentals.activations import sigmoid
from dl_lab.fundamentals.data import matched_bars
from dl_lab.fundamentals.losses import get_loss
from dl_lab.fundamentals.mlp import MLP, build_mlp
from dl_lab.fundamentals.optimizers import GD, Adam
from dl_lab.fundamentals.regularizers import ActivityPenalty, WeightPenalty
from dl_lab.fundamentals.training import Objective, fit

Array = np.ndarray


def accuracy(model: MLP, x: Array, y: Array) -> float:
    """Binary accuracy of a one-logit classifier (threshold p = 0.5)."""
    return float(np.mean((sigmoid(model.forward(x)[:, 0]) >= 0.5) == (np.asarray(y) == 1)))


@dataclass(frozen=True)
class Split:
    """Train and validation arrays of one data set."""

    x_train: Array
    y_train: Array
    x_val: Array
    y_val: Array


def weight_penalty_run(
    data: Split,
    penalty: WeightPenalty,
    hidden: int,
    activation: str,
    lr: float,
    epochs: int,
    init_seed: int,
    n_informative: int,
    zero_tol: float = 1e-3,
) -> tuple[dict, Array]:
    """Full-batch GD with ``penalty``; returns the summary row and the first-layer weights."""
    model = build_mlp(
        [data.x_train.shape[1], hidden, 1], activation, rng=np.random.default_rng(init_seed)
    )
    objective = Objective(get_loss("binary_cross_entropy"), penalty)
    fit(model, objective, data.x_train, data.y_train, GD(lr), epochs)
    w1 = model.dense_layers()[0].weight  # (hidden, inputs)
    abs_w1 = np.abs(w1)
    row = {
        "train_acc": accuracy(model, data.x_train, data.y_train),
        "val_acc": accuracy(model, data.x_val, data.y_val),
        "l2_norm_w1": float(np.linalg.norm(w1)),
        "frac_exact_zero": float(np.mean(w1 == 0)),
        "frac_abs_below_tol": float(np.mean(abs_w1 < zero_tol)),
        "frac_noise_inputs_dropped": float(np.mean(np.all(w1[:, n_informative:] == 0, axis=0))),
        "informative_share_of_abs_w1": float(
            abs_w1[:, :n_informative].sum() / max(abs_w1.sum(), 1e-300)
        ),
        "informative_share_if_uniform": n_informative / w1.shape[1],
    }
    return row, w1.copy()


def activity_penalty_run(
    x: Array,
    size: int,
    penalty: ActivityPenalty | None,
    hidden: int,
    lr: float,
    epochs: int,
    init_seed: int,
    active_threshold: float = 0.1,
) -> tuple[dict, Array, Array]:
    """Autoencoder ``size^2 -> hidden -> size^2`` with ``penalty`` on the hidden activity.

    Returns the summary row, the hidden units' input weights and the hidden activations.
    """
    d = size * size
    model = build_mlp([d, hidden, d], "sigmoid", rng=np.random.default_rng(init_seed))
    objective = Objective(get_loss("mse"), activity={} if penalty is None else {1: penalty})
    fit(model, objective, x, x, Adam(lr=lr), epochs)
    reconstruction = model.forward(x)
    h = model.outputs[1]  # (n, hidden) sigmoid activations
    weights = model.dense_layers()[0].weight.copy()
    row = {
        "mean_activation": float(h.mean()),
        "frac_active": float(np.mean(h > active_threshold)),
        "active_units_per_image": float(np.mean(np.sum(h > active_threshold, axis=1))),
        "bars_per_image": float(np.mean(bars_present(x, size))),
        "bars_matched_by_a_unit": matched_bars(weights, size),
        "bars_total": 2 * size,
        "reconstruction_mse": float(np.mean((reconstruction - x) ** 2)),
    }
    return row, weights, h.copy()


def bars_present(x: Array, size: int) -> Array:
    """Bars per image, counted as full rows plus full columns of the ``size x size`` image."""
    images = np.asarray(x).reshape(-1, size, size)
    return images.all(axis=2).sum(axis=1) + images.all(axis=1).sum(axis=1)

"""Nodes for weight penalties (2.12) and activity sparsity (2.15) on the NumPy MLP."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from dl_lab.fundamentals.config import SparsityParams, WeightPenaltyParams
from dl_lab.fundamentals.data import bars, teacher_splits
from dl_lab.fundamentals.regularization import Split, activity_penalty_run, weight_penalty_run
from dl_lab.fundamentals.regularizers import ACTIVITY_PENALTIES, WEIGHT_PENALTIES
from dl_lab.fundamentals.seeds import experiment_rng
from dl_lab.reporting.fundamentals.representation import (
    plot_sparsity,
    plot_weight_penalties,
)
from dl_lab.tracking import metric_values


def compare_weight_penalties(
    params: WeightPenaltyParams, seed: int
) -> tuple[pd.DataFrame, Figure, dict]:
    """One MLP per penalty, all from the same init: accuracy, weight sizes, zeros."""
    rng = experiment_rng(seed, "weight_penalties")
    data = Split(
        *teacher_splits(
            params.n_train,
            params.n_val,
            params.n_features,
            params.n_informative,
            rng,
            params.label_noise,
        )
    )
    init_seed = int(rng.integers(2**63))
    rows, first_layers = [], {}
    for spec in params.variants:
        penalty = WEIGHT_PENALTIES.build(spec.name, lam=spec.lam, l1_update=spec.l1_update)
        row, first_layers[spec.label] = weight_penalty_run(
            data,
            penalty,
            params.hidden,
            params.activation,
            params.lr,
            params.epochs,
            init_seed,
            params.n_informative,
            params.zero_tol,
        )
        rows.append({"variant": spec.label, **spec.model_dump(), **row})
    table = pd.DataFrame(rows)
    table["train_val_gap"] = table["train_acc"] - table["val_acc"]
    metrics = {
        f"{v}.val_acc": acc for v, acc in zip(table["variant"], table["val_acc"], strict=True)
    }
    return table, plot_weight_penalties(first_layers, table), metric_values(metrics)


def compare_activity_sparsity(
    params: SparsityParams, seed: int
) -> tuple[pd.DataFrame, Figure, dict]:
    """A sigmoid autoencoder on bars with no / L1 / KL activity penalty: how sparse is the code?"""
    rng = experiment_rng(seed, "activity_sparsity")
    x = bars(params.n_samples, params.size, params.p_bar, rng)
    init_seed = int(rng.integers(2**63))
    rows, fields, activity = [], {}, {}
    for spec in params.variants:
        penalty = ACTIVITY_PENALTIES.build(spec.name, lam=spec.lam, rho=spec.rho)
        row, fields[spec.label], activity[spec.label] = activity_penalty_run(
            x,
            params.size,
            penalty,
            params.hidden,
            params.lr,
            params.epochs,
            init_seed,
            params.active_threshold,
        )
        rows.append({"variant": spec.label, **spec.model_dump(), **row})
    table = pd.DataFrame(rows)
    metrics = {
        f"{r['variant']}.{k}": r[k] for r in rows for k in ("frac_active", "bars_matched_by_a_unit")
    }
    return table, plot_sparsity(fields, activity, params.size), metric_values(metrics)

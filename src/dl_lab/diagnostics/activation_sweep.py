"""The same deep MLP trained with each hidden activation (course 1.14, 2.9, 2.24).

Each run uses the initialization its activation was designed with (``INIT_FOR``), the
same optimizer, data and epochs, and reports validation accuracy, the first epoch that
reaches ``target`` accuracy, the fraction of dead units (zero output for every validation
input, i.e. dead ReLUs) and each layer's activation mean and variance after training.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from dl_lab.diagnostics.activations import INIT_FOR, first_epoch_reaching, layer_statistics
from dl_lab.diagnostics.jobs import SEED, with_seed
from dl_lab.evaluation.fit import FitThresholds, diagnose_fit
from dl_lab.models.probes import DeepMLP, initialize
from dl_lab.parallel import run_points
from dl_lab.training.loops import LoopConfig, Splits, train_classifier


def activation_point(
    name: str, splits: Splits, depth: int, width: int, cfg: LoopConfig, target: float, seed: int,
    thresholds: FitThresholds,
) -> tuple[dict, pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """One job: the deep MLP with activation ``name`` on one seed; summary, history, layers."""
    in_features = int(np.prod(splits.x_train.shape[1:]))
    torch.manual_seed(seed)
    model = initialize(DeepMLP(in_features, splits.num_classes, depth, width, name), INIT_FOR[name])
    result = train_classifier(model, splits, cfg, seed)
    history = result.history
    stats = layer_statistics(model, splits.x_eval)
    row = {
        "activation": name, "init": INIT_FOR[name],
        "final_val_acc": float(history["val_acc"].iloc[-1]),
        "best_val_acc": float(history["val_acc"].max()),
        "epochs_to_target": first_epoch_reaching(history["val_acc"], history["epoch"], target),
        "dead_unit_fraction": float(stats["dead_fraction"].mean()),
        "zero_output_fraction": float(stats["zero_fraction"].mean()),
        "last_layer_variance": float(stats["variance"].iloc[-1]),
        "train_time_s": result.train_time_s, "diverged": result.diverged,
        "fit_diagnosis": diagnose_fit(history, thresholds).label,
    }  # fmt: skip
    return row, history.assign(activation=name), stats.assign(activation=name)


def activation_sweep(
    names: list[str], splits: dict[int, Splits], depth: int, width: int, cfg: LoopConfig,
    target: float, thresholds: FitThresholds,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """Summary per seed and activation, per-epoch histories, and per-layer statistics (each
    with a ``seed`` column); one job per (seed, activation)."""
    points = [(seed, name) for seed in splits for name in names]
    jobs = [{"name": name, "splits": splits[seed], "depth": depth, "width": width, "cfg": cfg,
             "target": target, "seed": seed, "thresholds": thresholds} for seed, name in points]  # fmt: skip
    results = run_points(activation_point, jobs)
    seeds = [seed for seed, _ in points]
    rows = [{SEED: seed, **row} for seed, (row, _, _) in zip(seeds, results, strict=True)]
    histories = [with_seed(h, seed) for seed, (_, h, _) in zip(seeds, results, strict=True)]
    layers = [with_seed(s, seed) for seed, (_, _, s) in zip(seeds, results, strict=True)]
    return (pd.DataFrame(rows), pd.concat(histories, ignore_index=True),
            pd.concat(layers, ignore_index=True))  # fmt: skip

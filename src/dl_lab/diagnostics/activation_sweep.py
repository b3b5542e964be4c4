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
from dl_lab.evaluation.fit import FitThresholds, diagnose_fit
from dl_lab.models.probes import DeepMLP, initialize
from dl_lab.training.loops import LoopConfig, Splits, train_classifier


def activation_sweep(
    names: list[str], splits: Splits, depth: int, width: int, cfg: LoopConfig, target: float,
    seed: int, thresholds: FitThresholds,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """Summary per activation, per-epoch histories, and per-layer statistics."""
    in_features = int(np.prod(splits.x_train.shape[1:]))
    rows, histories, layers = [], [], []
    for name in names:
        torch.manual_seed(seed)
        model = initialize(
            DeepMLP(in_features, splits.num_classes, depth, width, name), INIT_FOR[name]
        )
        result = train_classifier(model, splits, cfg, seed)
        history = result.history
        stats = layer_statistics(model, splits.x_eval)
        rows.append(
            {
                "activation": name, "init": INIT_FOR[name],
                "final_val_acc": float(history["val_acc"].iloc[-1]),
                "best_val_acc": float(history["val_acc"].max()),
                "epochs_to_target": first_epoch_reaching(history["val_acc"], history["epoch"], target),
                "dead_unit_fraction": float(stats["dead_fraction"].mean()),
                "zero_output_fraction": float(stats["zero_fraction"].mean()),
                "last_layer_variance": float(stats["variance"].iloc[-1]),
                "train_time_s": result.train_time_s, "diverged": result.diverged,
                "fit_diagnosis": diagnose_fit(history, thresholds).label,
            }
        )  # fmt: skip
        histories.append(history.assign(activation=name))
        layers.append(stats.assign(activation=name))
    return pd.DataFrame(rows), pd.concat(histories), pd.concat(layers, ignore_index=True)

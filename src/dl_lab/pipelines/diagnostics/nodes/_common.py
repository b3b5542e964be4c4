"""Helpers shared by the diagnostics nodes."""

from __future__ import annotations

import math
from typing import Any

import torch

from dl_lab.diagnostics.networks import DeepMLP
from dl_lab.training.loops import Splits, prepare_splits


def metrics(values: dict[str, float]) -> dict[str, dict[str, float]]:
    """``{name: value}`` -> the ``MlflowMetricsHistoryDataset`` form; non-finite values dropped."""
    return {
        name: {"value": float(value), "step": 0}
        for name, value in values.items()
        if value is not None and math.isfinite(float(value))
    }


def splits(model_input: dict[str, Any], train_size: int | None, seed: int) -> Splits:
    """Standardized training subset and validation split."""
    return prepare_splits(model_input, train_size, seed, eval_split="val")


def mlp_maker(data: Splits, depth: int, width: int, activation: str = "relu"):
    """A factory of fresh ``DeepMLP``s for ``data`` (seeded by the caller)."""
    features = int(torch.tensor(data.x_train.shape[1:]).prod())
    return lambda: DeepMLP(features, data.num_classes, depth, width, activation)

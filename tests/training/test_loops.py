"""The plain training loop: learning, divergence as an outcome, reproducibility."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from dl_lab.evaluation.fit import diagnose_fit
from dl_lab.training.loops import LoopConfig, stratified_subset, train_classifier


def small_mlp(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 4))


def test_learns_the_toy_task(toy_splits):
    result = train_classifier(small_mlp(), toy_splits, LoopConfig(epochs=5, lr=0.01), seed=0)
    assert not result.diverged
    assert result.history["val_acc"].iloc[-1] > 0.9
    assert result.updates == 5 * math.ceil(256 / 64)
    assert list(result.history.columns[:5]) == [
        "epoch",
        "train_loss",
        "train_acc",
        "val_loss",
        "val_acc",
    ]


def test_divergence_is_an_outcome_not_a_crash(toy_splits):
    cfg = LoopConfig(epochs=3, optimizer="sgd", lr=1e4)
    result = train_classifier(small_mlp(), toy_splits, cfg, seed=0)
    assert result.diverged and result.diverged_epoch == 1
    assert math.isinf(result.history["train_loss"].iloc[-1])
    assert diagnose_fit(result.history).label == "diverged"


def test_same_seed_same_numbers(toy_splits):
    runs = [
        train_classifier(small_mlp(), toy_splits, LoopConfig(epochs=2), seed=3) for _ in range(2)
    ]
    cols = ["train_loss", "val_loss", "val_acc"]
    assert runs[0].history[cols].equals(runs[1].history[cols])


def test_schedule_changes_the_rate(toy_splits):
    cfg = LoopConfig(epochs=6, optimizer="sgd_momentum", lr=0.1, schedule="step")
    result = train_classifier(small_mlp(), toy_splits, cfg, seed=0)
    assert result.lrs == pytest.approx([0.1, 0.1, 0.01, 0.01, 0.001, 0.001])


def test_bad_config_is_named():
    with pytest.raises(ValueError, match="unknown optimizer 'adamx'"):
        LoopConfig(optimizer="adamx")
    with pytest.raises(ValueError, match="unknown schedule"):
        LoopConfig(schedule="warm_restarts")
    with pytest.raises(ValueError, match="epochs"):
        LoopConfig(epochs=0)


def test_stratified_subset():
    labels = np.repeat(np.arange(10), 50)
    keep = stratified_subset(labels, 100, seed=0)
    assert len(keep) == 100 and np.bincount(labels[keep]).tolist() == [10] * 10
    with pytest.raises(ValueError, match=r"subset size must be in \[1, 500\]"):
        stratified_subset(labels, 600, seed=0)

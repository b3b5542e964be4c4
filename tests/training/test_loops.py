"""The plain training loop: learning, divergence as an outcome, reproducibility."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from dl_lab.data.bundle import stratified_indices
from dl_lab.data.synthetic import synthetic_bundle
from dl_lab.evaluation.fit import diagnose_fit
from dl_lab.training.loops import LoopConfig, prepare_splits, train_classifier


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


def test_prepare_splits_subsets_and_standardizes_the_bundle():
    data = synthetic_bundle(sizes=(120, 30, 45), classes=3)
    splits = prepare_splits(data, 60, seed=0)
    assert np.bincount(splits.y_train.numpy()).tolist() == [20, 20, 20]  # stratified
    keep = torch.from_numpy(stratified_indices(data.y_train.numpy(), 60, 0))
    assert torch.equal(splits.x_train, data.standardize(data.x_train[keep]))
    assert torch.equal(splits.x_eval, data.standardize(data.x_val))
    assert torch.equal(splits.y_eval, data.y_val)
    assert splits.x_train.mean().abs() < 0.2  # standardized with the training statistics
    raw = prepare_splits(data, None, seed=0, eval_split="test", standardize=False)
    assert torch.equal(raw.x_train, data.x_train) and torch.equal(raw.x_eval, data.x_test)
    with pytest.raises(ValueError, match="eval_split must be 'val' or 'test'"):
        prepare_splits(data, None, seed=0, eval_split="train")
    with pytest.raises(ValueError, match=r"subset size must be in \[1, 120\]"):
        prepare_splits(data, 200, seed=0)

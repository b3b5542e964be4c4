"""fit_classifier's promises: a NaN loss fails the run clearly, the same seed repeats the
numbers, and an interrupted run resumes from its last checkpoint."""

from __future__ import annotations

import mlflow
import pytest
import torch
from mlflow.tracking import MlflowClient

from dl_lab.data.augmentation import AugmentationSpec
from dl_lab.training.callbacks import NonFiniteLossError
from dl_lab.training.config import EarlyStoppingConfig, TrainerConfig, VariantSpec
from dl_lab.training.fit import fit_classifier


@pytest.fixture
def tracking(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment("test")
    yield MlflowClient(uri)
    mlflow.set_tracking_uri(None)


@pytest.fixture
def bundle():
    generator = torch.Generator().manual_seed(0)
    data = {"classes": ["a", "b", "c"], "mean": torch.tensor([0.5]), "std": torch.tensor([0.25])}
    for split, n in (("train", 96), ("val", 48), ("test", 48)):
        y = torch.arange(n) % 3
        x = torch.rand(n, 1, 8, 8, generator=generator) * 0.5 + y.view(-1, 1, 1, 1) * 0.25
        data[f"x_{split}"], data[f"y_{split}"] = x, y
    return data


def _fit(bundle, tmp_path, lr=1e-2, epochs=3, name="run"):
    variant = VariantSpec(
        architecture="mlp", model={"depth": 1, "width": 16}, optimizer={"name": "sgd", "lr": lr}
    )
    cfg = TrainerConfig(
        max_epochs=epochs,
        batch_size=16,
        checkpoint_dir=str(tmp_path / "ckpt"),
        early_stopping=EarlyStoppingConfig(enabled=False),
    )
    return fit_classifier(bundle, variant, cfg, AugmentationSpec(), 7, name, {"study": "t"})


def test_nan_loss_stops_with_reason_and_fails_the_run(bundle, tmp_path, tracking):
    with pytest.raises(NonFiniteLossError, match="train_loss became nan in epoch 1"):
        _fit(bundle, tmp_path, lr=1e30)
    (run,) = tracking.search_runs([mlflow.get_experiment_by_name("test").experiment_id])
    assert run.info.status == "FAILED"
    assert "NonFiniteLossError" in run.data.tags["failure_reason"]


def test_same_seed_same_metrics(bundle, tmp_path, tracking):
    first = _fit(bundle, tmp_path, name="a").history
    second = _fit(bundle, tmp_path, name="b").history
    cols = ["train_loss", "val_loss", "val_acc"]
    assert first[cols].equals(second[cols])


def test_interrupted_run_resumes_from_last_checkpoint(bundle, tmp_path, tracking):
    first = _fit(bundle, tmp_path, epochs=2, name="resume")
    assert first.summary["epochs_run"] == 2
    # A run killed mid-way leaves last.ckpt behind; simulate it from a 2-epoch run.
    ckpt_dir = tmp_path / "ckpt" / "resume"
    (ckpt_dir / "best.ckpt").replace(ckpt_dir / "last.ckpt")
    resumed = _fit(bundle, tmp_path, epochs=4, name="resume")
    assert resumed.history["epoch"].tolist() == [3, 4]  # only the missing epochs ran
    assert not (ckpt_dir / "last.ckpt").exists()

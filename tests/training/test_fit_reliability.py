"""fit_classifier's promises: a NaN loss fails the run clearly, the same seed repeats the
numbers, and an interrupted run resumes from its last checkpoint, but only its own."""

from __future__ import annotations

import mlflow
import pytest
import torch
from mlflow.tracking import MlflowClient

from dl_lab.data.augmentation import AugmentationSpec
from dl_lab.errors import NonFiniteLossError
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


def _fit(bundle, tmp_path, lr=1e-2, epochs=3, name="run", seed=7):
    variant = VariantSpec(
        architecture="mlp", model={"depth": 1, "width": 16}, optimizer={"name": "sgd", "lr": lr}
    )
    cfg = TrainerConfig(
        max_epochs=epochs,
        batch_size=16,
        checkpoint_dir=str(tmp_path / "ckpt"),
        early_stopping=EarlyStoppingConfig(enabled=False),
    )
    return fit_classifier(bundle, variant, cfg, AugmentationSpec(), seed, name, {"study": "t"})


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


def _interrupt(tmp_path, name="resume"):
    """Turn a finished run's best checkpoint into what a kill leaves behind: ``last.ckpt``."""
    (folder,) = [f for f in (tmp_path / "ckpt" / name).iterdir() if (f / "best.ckpt").is_file()]
    (folder / "best.ckpt").replace(folder / "last.ckpt")
    return folder


def test_interrupted_run_resumes_from_last_checkpoint(bundle, tmp_path, tracking):
    first = _fit(bundle, tmp_path, epochs=2, name="resume")
    assert first.summary["epochs_run"] == 2
    folder = _interrupt(tmp_path)
    resumed = _fit(bundle, tmp_path, epochs=4, name="resume")  # a longer budget still resumes
    history = resumed.history
    assert history["epoch"].tolist() == [1, 2, 3, 4]  # the whole history, not just 3-4
    cols = ["train_loss", "val_loss", "val_acc"]
    assert history[cols].head(2).equals(first.history[cols])  # epochs 1-2 were not retrained
    assert not (folder / "last.ckpt").exists()
    run = tracking.get_run(resumed.run_id)
    assert run.data.tags["resumed_after_epoch"] == "2"
    steps = [m.step for m in tracking.get_metric_history(resumed.run_id, "val_loss")]
    assert sorted(steps) == [0, 1, 2, 3]  # the new run's curves start at epoch 1 too
    assert resumed.summary["epochs_run"] == 4


def test_a_checkpoint_of_other_parameters_is_not_resumed(bundle, tmp_path, tracking):
    _fit(bundle, tmp_path, epochs=2, name="resume", lr=1e-2)
    interrupted = _interrupt(tmp_path)
    other = _fit(bundle, tmp_path, epochs=3, name="resume", lr=5e-2)  # e.g. another --env
    assert other.history["epoch"].tolist() == [1, 2, 3]  # trained from scratch
    assert "resumed_after_epoch" not in tracking.get_run(other.run_id).data.tags
    assert (interrupted / "last.ckpt").is_file()  # the interrupted run can still resume
    again = _fit(bundle, tmp_path, epochs=3, name="resume", lr=1e-2)
    assert tracking.get_run(again.run_id).data.tags["resumed_after_epoch"] == "2"
    # Both runs finished: their folders are cleared but for the latest one's.
    assert [f.name for f in (tmp_path / "ckpt" / "resume").iterdir()] == [interrupted.name]


def test_new_training_data_is_not_resumed_into(bundle, tmp_path, tracking):
    _fit(bundle, tmp_path, epochs=2, name="resume")
    _interrupt(tmp_path)
    bundle["x_train"] = bundle["x_train"].flip(0)  # e.g. new incoming samples
    assert _fit(bundle, tmp_path, epochs=3, name="resume").history["epoch"].tolist() == [1, 2, 3]


@pytest.mark.parametrize("damage", ["unreadable", "past_the_budget"])
def test_an_unusable_last_checkpoint_means_a_fresh_start(bundle, tmp_path, tracking, damage):
    _fit(bundle, tmp_path, epochs=3, name="resume")
    folder = _interrupt(tmp_path)
    if damage == "unreadable":
        (folder / "last.ckpt").write_bytes(b"truncated by a kill")
    rerun = _fit(bundle, tmp_path, epochs=3 if damage == "unreadable" else 1, name="resume")
    assert rerun.history["epoch"].tolist() == list(range(1, len(rerun.history) + 1))
    assert "resumed_after_epoch" not in tracking.get_run(rerun.run_id).data.tags

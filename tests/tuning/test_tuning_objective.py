"""One trial end to end on tiny data: pruning through Lightning, and what MLflow records."""

from __future__ import annotations

import optuna
import pytest
import torch

from dl_lab.errors import Terminated
from dl_lab.training.callbacks import HistoryCallback
from dl_lab.tuning.config import TrialConfig
from dl_lab.tuning.objective import make_objective, trial_splits
from dl_lab.tuning.space import SearchSpace
from dl_lab.tuning.study import INTERRUPTED

SPACE = SearchSpace(
    lr={"low": 1e-3, "high": 2e-3},
    batch_size=[32],
    optimizer=["adam"],
    conv_layers=[1],
    filters=[4],
    dense_units=[8],
    dropout={"low": 0.0, "high": 0.1},
    l2={"low": 0.0, "high": 1e-5},
    activation=["relu"],
)


def tiny_input(n: int = 60) -> dict:
    generator = torch.Generator().manual_seed(0)
    labels = torch.arange(n) % 3
    images = torch.rand(n, 1, 8, 8, generator=generator) * 0.3
    images[:, :, labels * 2, :] += 0.7  # a learnable stripe per class
    bundle = {"mean": torch.tensor([0.3]), "std": torch.tensor([0.3]), "classes": ["a", "b", "c"]}
    for split in ("train", "val", "test"):
        bundle[f"x_{split}"], bundle[f"y_{split}"] = images.clamp(0, 1), labels
    return bundle


def run_trials(pruner: optuna.pruners.BasePruner, epochs: int) -> optuna.Study:
    study = optuna.create_study(direction="maximize", pruner=pruner)
    cfg = TrialConfig(max_epochs=epochs, train_subset=None, accelerator="cpu")
    objective = make_objective(tiny_input(), SPACE, cfg, "unit", seed=1, tags={"study": "unit"})
    study.optimize(objective, n_trials=1)
    return study


def test_complete_trial_reports_every_epoch(tracked):
    client, experiment = tracked
    study = run_trials(optuna.pruners.NopPruner(), epochs=3)
    trial = study.trials[0]
    assert trial.state == optuna.trial.TrialState.COMPLETE
    assert sorted(trial.intermediate_values) == [0, 1, 2]
    assert trial.value == max(trial.intermediate_values.values())
    run = client.get_run(trial.user_attrs["mlflow_run_id"])
    assert run.info.status == "FINISHED" and run.data.tags["trial_state"] == "COMPLETE"
    assert run.info.run_name == "unit__trial000"
    assert run.data.params["trial.optimizer"] == "adam"
    history = client.get_metric_history(run.info.run_id, "intermediate_value")
    assert [m.step for m in history] == [1, 2, 3]
    assert len(client.get_metric_history(run.info.run_id, "val_acc")) == 3


def test_pruned_trial_stops_early_and_is_not_a_failure(tracked):
    client, _ = tracked
    # Prune anything below 100% accuracy at its first report.
    study = run_trials(optuna.pruners.ThresholdPruner(lower=1.01), epochs=5)
    trial = study.trials[0]
    assert trial.state == optuna.trial.TrialState.PRUNED
    assert list(trial.intermediate_values) == [0] and trial.user_attrs["epochs_run"] == 1
    run = client.get_run(trial.user_attrs["mlflow_run_id"])
    assert run.info.status == "FINISHED" and run.data.tags["trial_state"] == "PRUNED"
    assert run.data.metrics["epochs_run"] == 1


def test_trial_splits_take_a_stratified_subset():
    bundle = tiny_input(60)
    splits = trial_splits(bundle, subset=30, seed=0)
    _, y = splits["train"]
    assert len(y) == 30 and torch.bincount(y).tolist() == [10, 10, 10]
    assert splits["val"][0] is bundle["x_val"]


def test_a_trial_stopped_by_sigterm_is_marked_for_a_rerun(tracked, monkeypatch):
    client, _ = tracked

    def terminated_in_epoch_2(self, trainer, module):
        if trainer.current_epoch == 1:
            raise Terminated("stopped by SIGTERM")  # what FailOnSigtermHook raises

    monkeypatch.setattr(HistoryCallback, "on_train_epoch_start", terminated_in_epoch_2)
    study = optuna.create_study(direction="maximize")
    cfg = TrialConfig(max_epochs=3, train_subset=None, accelerator="cpu")
    objective = make_objective(tiny_input(), SPACE, cfg, "unit", seed=1, tags={"study": "unit"})
    with pytest.raises(Terminated):
        study.optimize(objective, n_trials=1)
    (trial,) = study.trials
    assert trial.state == optuna.trial.TrialState.FAIL
    assert trial.user_attrs[INTERRUPTED] is True  # open_study queues it again
    run = client.get_run(trial.user_attrs["mlflow_run_id"])
    assert run.info.status == "FAILED" and run.data.tags["trial_state"] == "FAIL"

"""One trial end to end on tiny data: pruning through Lightning, and what MLflow records."""

from __future__ import annotations

import optuna
import pytest
import torch

from dl_lab.data.synthetic import synthetic_bundle
from dl_lab.errors import Terminated
from dl_lab.training.callbacks import HistoryCallback
from dl_lab.training.config import TrainerConfig
from dl_lab.training.fit import train
from dl_lab.tuning import objective as objective_module
from dl_lab.tuning.config import FinalConfig, TrialConfig, TuningConfig
from dl_lab.tuning.objective import make_objective
from dl_lab.tuning.runs import study_identity
from dl_lab.tuning.study import INTERRUPTED

SPACE = {
    "lr": {"low": 1e-3, "high": 2e-3},
    "batch_size": [32],
    "optimizer": ["adam"],
    "conv_layers": [1],
    "filters": [4],
    "dense_units": [8],
    "dropout": {"low": 0.0, "high": 0.1},
    "l2": {"low": 0.0, "high": 1e-5},
    "activation": ["relu"],
}
DATA = synthetic_bundle(sizes=(60, 60, 60), classes=3)


def objective(epochs: int, subset: int | None = None):
    cfg = TuningConfig(
        study_name="unit",
        n_trials=1,
        search_space=SPACE,
        trainer={"accelerator": "cpu"},
        trial={"max_epochs": epochs, "train_subset": subset},
    )
    return make_objective(DATA, cfg, study_identity("unit", cfg, DATA, seed=1))


def run_trials(pruner: optuna.pruners.BasePruner, epochs: int) -> optuna.Study:
    study = optuna.create_study(direction="maximize", pruner=pruner)
    study.optimize(objective(epochs), n_trials=1)
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
    tags = run.data.tags
    assert (tags["pipeline"], tags["study"], tags["variant"], tags["seed"]) == (
        "unit",
        "unit",
        "trial000",
        "1",
    )
    assert tags["trial_number"] == "0" and tags["architecture"] == "tunable_cnn"
    assert tags["data_fingerprint"] == DATA.fingerprint and tags["sampler"] == "tpe"
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


def test_a_trial_trains_on_a_stratified_subset_and_never_sees_test(tracked, monkeypatch):
    seen = {}

    def recording(module, splits, cfg, seed, **kwargs):
        seen.update(splits=splits, cfg=cfg)
        return train(module, splits, cfg, seed, **kwargs)

    monkeypatch.setattr(objective_module, "train", recording)
    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.NopPruner())
    study.optimize(objective(epochs=1, subset=30), n_trials=1)
    assert set(seen["splits"]) == {"train", "val"}
    _, y = seen["splits"]["train"]
    assert torch.bincount(y).tolist() == [10, 10, 10]
    assert seen["splits"]["val"][0] is DATA.x_val
    assert (seen["cfg"].max_epochs, seen["cfg"].batch_size, seen["cfg"].accelerator) == (
        1,
        32,
        "cpu",
    )


def test_trial_and_final_are_overrides_of_the_trainer():
    base = TrainerConfig(
        max_epochs=50, batch_size=7, precision="bf16-mixed", updates_per_step=2, num_threads=1
    )
    trial = TrialConfig(max_epochs=3).trainer_config(base, batch_size=64)
    assert (trial.max_epochs, trial.batch_size, trial.resume) == (3, 64, False)
    assert not trial.early_stopping.enabled  # the pruner stops trials
    assert (trial.precision, trial.updates_per_step, trial.num_threads) == ("bf16-mixed", 2, 1)
    final = FinalConfig().trainer_config(base, best_epoch=4, batch_size=128)
    assert (final.max_epochs, final.batch_size, final.early_stopping.enabled) == (4, 128, False)
    assert FinalConfig(epochs=9).trainer_config(base, best_epoch=4, batch_size=1).max_epochs == 9


def test_a_trial_stopped_by_sigterm_is_marked_for_a_rerun(tracked, monkeypatch):
    client, _ = tracked

    def terminated_in_epoch_2(self, trainer, module):
        if trainer.current_epoch == 1:
            raise Terminated("stopped by SIGTERM")  # what FailOnSigtermHook raises

    monkeypatch.setattr(HistoryCallback, "on_train_epoch_start", terminated_in_epoch_2)
    study = optuna.create_study(direction="maximize")
    with pytest.raises(Terminated):
        study.optimize(objective(epochs=3), n_trials=1)
    (trial,) = study.trials
    assert trial.state == optuna.trial.TrialState.FAIL
    assert trial.user_attrs[INTERRUPTED] is True  # open_study queues it again
    run = client.get_run(trial.user_attrs["mlflow_run_id"])
    assert run.info.status == "FAILED" and run.data.tags["trial_state"] == "FAIL"

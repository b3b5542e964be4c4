"""One trial: sample a configuration, train it a few epochs with pruning, report val accuracy.

Each trial is an MLflow child run of the study run, named ``{study}__trial{n}``, with the
sampled parameters, the per-epoch history, the values reported to the pruner
(``intermediate_value``) and its final state as the tag ``trial_state``
(COMPLETE / PRUNED / FAIL). A pruned trial ends its run normally: pruning is a decision,
not a failure. Only the validation split is used; the test split is never touched.
A trial trains through ``training.fit.train`` with the study's trainer block and the
pruning callback, without checkpoints.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import lightning.pytorch as pl
import numpy as np
import optuna
import torch
from optuna_integration import PyTorchLightningPruningCallback

from dl_lab import progress, tracking
from dl_lab.data.augmentation import AugmentationSpec
from dl_lab.data.bundle import ModelInput
from dl_lab.errors import stop_behind
from dl_lab.parallel import torch_threads
from dl_lab.training.config import TrainerConfig, VariantSpec
from dl_lab.training.fit import train
from dl_lab.training.tasks import build_task_module
from dl_lab.tuning.config import TuningConfig
from dl_lab.tuning.runs import run_name, trial_identity
from dl_lab.tuning.space import suggest, to_variant
from dl_lab.tuning.study import INTERRUPTED

MONITOR = "val_acc"
Splits = dict[str, tuple[torch.Tensor, torch.Tensor]]


class ReportedValues(pl.Callback):
    """Records the monitored value of every validation epoch, as the pruner sees it."""

    def __init__(self, monitor: str) -> None:
        self.monitor = monitor
        self.values: list[float] = []

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not trainer.sanity_checking and self.monitor in trainer.callback_metrics:
            self.values.append(float(trainer.callback_metrics[self.monitor]))


def fit_trial(
    trial: optuna.Trial,
    data: ModelInput,
    splits: Splits,
    variant: VariantSpec,
    cfg: TrainerConfig,
    seed: int,
    run_id: str,
    recorder: ReportedValues,
) -> None:
    """Train ``variant`` for up to ``cfg.max_epochs``; the pruning callback may raise."""
    pl.seed_everything(seed, workers=True, verbose=False)
    module = build_task_module(data, variant, AugmentationSpec())
    pruner = PyTorchLightningPruningCallback(trial, monitor=MONITOR)
    with torch_threads(cfg.num_threads):
        train(  # the recorder before the pruner, so a pruned epoch's value is recorded too
            module,
            splits,
            cfg,
            seed,
            logger=tracking.lightning_logger(run_id),
            callbacks=[recorder, pruner],
        )


def _finish(
    run_id: str, trial: optuna.Trial, values: list[float], state: str, worker: int
) -> float | None:
    """Log the pruner's values and the trial's outcome into its run; the objective value.
    ``worker``: the index of the worker that ran the trial (``tuning.worker``)."""
    for epoch, value in enumerate(values, start=1):
        tracking.log_metrics(run_id, {"intermediate_value": value}, step=epoch)
    best = max(values) if values else None
    outcome: dict[str, float] = {"epochs_run": len(values)}
    if best is not None:
        outcome.update(best_val_acc=best, best_epoch=int(np.argmax(values)) + 1)
        trial.set_user_attr("best_epoch", int(np.argmax(values)) + 1)
    trial.set_user_attr("epochs_run", len(values))
    trial.set_user_attr("mlflow_run_id", run_id)
    trial.set_user_attr("worker", worker)
    tracking.log_metrics(run_id, outcome)
    tracking.set_tags({"trial_state": state})
    return best


def make_objective(
    data: ModelInput, cfg: TuningConfig, study: tracking.RunIdentity
) -> Callable[[optuna.Trial], float]:
    """The study's objective: best validation accuracy over the trial's epochs.

    Each trial is a child run of the study run, named and tagged from ``study``.
    """
    seed, train_size = study.seed, len(data.y_train)
    subset = data.train_subset(min(cfg.trial.train_subset or train_size, train_size), seed)
    splits = subset.splits("train", "val")  # never the test split

    def objective(trial: optuna.Trial) -> float:
        params = suggest(trial, cfg.search_space)
        variant, batch_size = to_variant(params, seed)
        trainer_cfg = cfg.trial.trainer_config(cfg.trainer, batch_size)
        identity = trial_identity(study, trial.number, variant).with_tags(worker=cfg.worker)
        recorder, pruned = ReportedValues(MONITOR), None
        run_params = {"trial": params, "seed": seed}
        started = time.perf_counter()
        with tracking.child_run(run_name(identity), identity.tags(), run_params) as run_id:
            try:
                fit_trial(trial, data, splits, variant, trainer_cfg, seed, run_id, recorder)
            except optuna.TrialPruned as signal:
                pruned = signal
            except Exception as err:
                _finish(run_id, trial, recorder.values, "FAIL", cfg.worker)
                if stop_behind(err) is not None:  # stopped, not broken: run it again next time
                    trial.set_user_attr(INTERRUPTED, True)
                raise
            state = "PRUNED" if pruned else "COMPLETE"
            best = _finish(run_id, trial, recorder.values, state, cfg.worker)
        if best is not None:  # one line per finished trial, e.g. tuning  trial 3 (pruned) ...
            progress.announce(
                "tuning",
                f"trial {trial.number} ({state.lower()})",
                "best_val_acc",
                best,
                int(np.argmax(recorder.values)) + 1,
                time.perf_counter() - started,
            )
        if pruned is not None:
            raise pruned
        return best

    return objective

"""One trial: sample a configuration, train it a few epochs with pruning, report val accuracy.

Each trial is an MLflow child run of the study run, named ``{study}__trial{n}``, with the
sampled parameters, the per-epoch history, the values reported to the pruner
(``intermediate_value``) and its final state as the tag ``trial_state``
(COMPLETE / PRUNED / FAIL). A pruned trial ends its run normally: pruning is a decision,
not a failure. Only the validation split is used; the test split is never touched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import lightning.pytorch as pl
import numpy as np
import optuna
import torch
from optuna_integration import PyTorchLightningPruningCallback
from sklearn.model_selection import train_test_split

from dl_lab import tracking
from dl_lab.data.augmentation import AugmentationSpec
from dl_lab.errors import stop_behind
from dl_lab.training.callbacks import HistoryCallback, NonFiniteLossGuard
from dl_lab.training.config import VariantSpec
from dl_lab.training.datamodule import TensorDataModule
from dl_lab.training.fit import build_module
from dl_lab.tuning.config import TrialConfig
from dl_lab.tuning.space import SearchSpace, suggest, to_variant
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


def trial_splits(model_input: dict[str, Any], subset: int | None, seed: int) -> Splits:
    """Train (a stratified subset of ``subset`` samples, if set) and validation tensors."""
    x, y = model_input["x_train"], model_input["y_train"]
    if subset is not None and subset < len(y):
        keep, _ = train_test_split(
            np.arange(len(y)), train_size=subset, stratify=y.numpy(), random_state=seed
        )
        index = torch.from_numpy(np.sort(keep))
        x, y = x[index], y[index]
    return {"train": (x, y), "val": (model_input["x_val"], model_input["y_val"])}


def fit_trial(
    trial: optuna.Trial,
    model_input: dict[str, Any],
    splits: Splits,
    variant: VariantSpec,
    batch_size: int,
    cfg: TrialConfig,
    seed: int,
    run_id: str,
    recorder: ReportedValues,
) -> None:
    """Train ``variant`` for up to ``cfg.max_epochs``; the pruning callback may raise."""
    pl.seed_everything(seed, workers=True, verbose=False)
    module = build_module(model_input, variant, AugmentationSpec())
    trainer = pl.Trainer(
        max_epochs=cfg.max_epochs,
        accelerator=cfg.accelerator,
        devices=1,
        deterministic=cfg.deterministic,
        logger=tracking.lightning_logger(run_id),
        callbacks=[
            HistoryCallback(),
            NonFiniteLossGuard(),
            recorder,  # before the pruner, so a pruned epoch's value is recorded too
            PyTorchLightningPruningCallback(trial, monitor=MONITOR),
        ],
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        log_every_n_steps=10**9,
        num_sanity_val_steps=0,
    )
    trainer.fit(module, datamodule=TensorDataModule(splits, batch_size, seed))


def _finish(run_id: str, trial: optuna.Trial, values: list[float], state: str) -> float | None:
    """Log the pruner's values and the trial's outcome into its run; the objective value."""
    for epoch, value in enumerate(values, start=1):
        tracking.log_metrics(run_id, {"intermediate_value": value}, step=epoch)
    best = max(values) if values else None
    outcome: dict[str, float] = {"epochs_run": len(values)}
    if best is not None:
        outcome.update(best_val_acc=best, best_epoch=int(np.argmax(values)) + 1)
        trial.set_user_attr("best_epoch", int(np.argmax(values)) + 1)
    trial.set_user_attr("epochs_run", len(values))
    trial.set_user_attr("mlflow_run_id", run_id)
    tracking.log_metrics(run_id, outcome)
    tracking.set_tags({"trial_state": state})
    return best


def make_objective(
    model_input: dict[str, Any],
    space: SearchSpace,
    cfg: TrialConfig,
    study_name: str,
    seed: int,
    tags: dict[str, Any],
) -> Callable[[optuna.Trial], float]:
    """The study's objective: best validation accuracy over the trial's epochs."""
    splits = trial_splits(model_input, cfg.train_subset, seed)

    def objective(trial: optuna.Trial) -> float:
        params = suggest(trial, space)
        variant, batch_size = to_variant(params, seed)
        run_tags = {**tags, "trial_number": trial.number, "architecture": variant.architecture}
        recorder, pruned = ReportedValues(MONITOR), None
        name = f"{study_name}__trial{trial.number:03d}"
        with tracking.child_run(name, run_tags, {"trial": params, "seed": seed}) as run_id:
            try:
                fit_trial(
                    trial, model_input, splits, variant, batch_size, cfg, seed, run_id, recorder
                )
            except optuna.TrialPruned as signal:
                pruned = signal
            except Exception as err:
                _finish(run_id, trial, recorder.values, "FAIL")
                if stop_behind(err) is not None:  # stopped, not broken: run it again next time
                    trial.set_user_attr(INTERRUPTED, True)
                raise
            best = _finish(run_id, trial, recorder.values, "PRUNED" if pruned else "COMPLETE")
        if pruned is not None:
            raise pruned
        return best

    return objective

"""The best configuration retrained on train+val, then evaluated once on the test split.

With validation merged into training there is nothing left to early-stop on, so the
model trains for a fixed number of epochs: the epoch at which the best trial peaked
(or ``final.epochs``), through the study's trainer with only a training split (no
validation loop). The test split is touched exactly once, after training.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch

from dl_lab import tracking
from dl_lab.data.augmentation import AugmentationSpec
from dl_lab.data.bundle import ModelInput
from dl_lab.parallel import torch_threads
from dl_lab.training.classification import ClassificationModule
from dl_lab.training.config import VariantSpec
from dl_lab.training.fit import evaluate, inference_model, train
from dl_lab.training.tasks import build_task_module
from dl_lab.tuning.config import TuningConfig
from dl_lab.tuning.runs import final_identity, run_name


@dataclass
class FinalModel:
    """The retrained network, its test metrics and confusion matrix, and its MLflow run."""

    module: ClassificationModule
    epochs: int
    test_metrics: dict[str, float]
    confusion: np.ndarray
    run_id: str
    model_uri: str


def train_val_merged(data: ModelInput) -> ModelInput:
    """``data`` with the validation split appended to the training split."""
    return data.with_train(
        torch.cat([data.x_train, data.x_val]), torch.cat([data.y_train, data.y_val])
    )


def retrain_best(
    data: ModelInput, best: dict[str, Any], cfg: TuningConfig, study: tracking.RunIdentity
) -> FinalModel:
    """Retrain ``best`` on train+val in a child run, evaluate once on test, log the model."""
    variant, seed = VariantSpec(**best["variant"]), study.seed
    trainer_cfg = cfg.final.trainer_config(cfg.trainer, int(best["best_epoch"]), best["batch_size"])
    params = {
        "variant": variant.model_dump(),
        "epochs": trainer_cfg.max_epochs,
        "batch_size": trainer_cfg.batch_size,
        "seed": seed,
    }
    identity = final_identity(study, best["trial"], variant)
    with tracking.child_run(run_name(identity), identity.tags(), params) as run_id:
        pl.seed_everything(seed, workers=True, verbose=False)
        module = build_task_module(data, variant, AugmentationSpec())
        logger = tracking.lightning_logger(run_id)
        with torch_threads(trainer_cfg.num_threads):
            train(module, train_val_merged(data).splits("train"), trainer_cfg, seed, logger=logger)
            metrics, confusion = evaluate(module, data, trainer_cfg)
        tracking.log_metrics(run_id, metrics)
        model_uri = tracking.log_torch_model(run_id, inference_model(module), data.x_test[:8])
    return FinalModel(module, trainer_cfg.max_epochs, metrics, confusion, run_id, model_uri)

"""The best configuration retrained on train+val, then evaluated once on the test split.

With validation merged into training there is nothing left to early-stop on, so the
model trains for a fixed number of epochs: the epoch at which the best trial peaked
(or ``final.epochs``). The test split is touched exactly once, after training.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch

from dl_lab import tracking
from dl_lab.data.augmentation import AugmentationSpec
from dl_lab.training.callbacks import HistoryCallback, NonFiniteLossGuard
from dl_lab.training.classification import ClassificationModule
from dl_lab.training.config import VariantSpec
from dl_lab.training.datamodule import TensorDataModule
from dl_lab.training.fit import build_module, evaluate_classifier
from dl_lab.tuning.config import FinalConfig


@dataclass
class FinalModel:
    """The retrained network, its test metrics and confusion matrix, and its MLflow run."""

    module: ClassificationModule
    epochs: int
    test_metrics: dict[str, float]
    confusion: np.ndarray
    run_id: str
    model_uri: str


def train_val_merged(model_input: dict[str, Any]) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """Train and validation splits concatenated into one training set."""
    x = torch.cat([model_input["x_train"], model_input["x_val"]])
    y = torch.cat([model_input["y_train"], model_input["y_val"]])
    return {"train": (x, y)}


def final_epochs(best: dict[str, Any], cfg: FinalConfig) -> int:
    """``cfg.epochs`` if set, else the best trial's best epoch."""
    return cfg.epochs or int(best["best_epoch"])


def fit_fixed_epochs(
    module: ClassificationModule,
    splits: dict[str, tuple[torch.Tensor, torch.Tensor]],
    epochs: int,
    batch_size: int,
    seed: int,
    cfg: FinalConfig,
    run_id: str,
) -> None:
    """Train for exactly ``epochs`` with no validation loop and no checkpoint selection."""
    trainer = pl.Trainer(
        max_epochs=epochs,
        accelerator=cfg.accelerator,
        devices=1,
        deterministic=True,
        logger=tracking.lightning_logger(run_id),
        callbacks=[HistoryCallback(), NonFiniteLossGuard()],
        limit_val_batches=0,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        log_every_n_steps=10**9,
        num_sanity_val_steps=0,
    )
    datamodule = TensorDataModule(splits, batch_size, seed)
    trainer.fit(module, train_dataloaders=datamodule.train_dataloader())


def retrain_best(
    model_input: dict[str, Any],
    best: dict[str, Any],
    cfg: FinalConfig,
    seed: int,
    tags: dict[str, Any],
) -> FinalModel:
    """Retrain ``best`` on train+val in a child run, evaluate once on test, log the model."""
    variant = VariantSpec(**best["variant"])
    epochs = final_epochs(best, cfg)
    params = {"variant": variant.model_dump(), "epochs": epochs, "batch_size": best["batch_size"]}
    name = f"{best['study']}__best_retrained"
    run_tags = {**tags, "trial_number": best["trial"], "architecture": variant.architecture}
    with tracking.child_run(name, run_tags, {**params, "seed": seed}) as run_id:
        pl.seed_everything(seed, workers=True, verbose=False)
        module = build_module(model_input, variant, AugmentationSpec())
        splits = train_val_merged(model_input)
        fit_fixed_epochs(module, splits, epochs, best["batch_size"], seed, cfg, run_id)
        metrics, confusion = evaluate_classifier(module, model_input, cfg.accelerator)
        tracking.log_metrics(run_id, metrics)
        model_uri = tracking.log_torch_model(
            run_id, module.inference_model(), model_input["x_test"][:8]
        )
    return FinalModel(module, epochs, metrics, confusion, run_id, model_uri)

"""Fit and evaluate a classifier on in-memory splits, tracked in an MLflow child run."""

from __future__ import annotations

import resource
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import numpy as np
import pandas as pd
import torch
from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
from torch import nn

from dl_lab import tracking
from dl_lab.data.augmentation import AugmentationSpec, BatchAugmenter
from dl_lab.evaluation.fit import fit_diagnosis_tags
from dl_lab.models import (
    activation_memory_bytes,
    build_model,
    count_parameters,
    flops_per_sample,
)
from dl_lab.training import resume
from dl_lab.training.callbacks import HistoryCallback, NonFiniteLossGuard
from dl_lab.training.classification import ClassificationModule, Standardize
from dl_lab.training.config import TrainerConfig, VariantSpec
from dl_lab.training.datamodule import TensorDataModule
from dl_lab.training.regularizers import WeightPenalty

# Metrics are logged per epoch only, so Lightning's per-step logging interval is moot.
warnings.filterwarnings("ignore", message=".*smaller than the logging interval")
# A fit's checkpoint folder is its own (see training.resume): what is in it is expected.
warnings.filterwarnings("ignore", message="Checkpoint directory .* exists and is not empty")


@dataclass
class FitResult:
    """What a fit leaves behind: the best network, its per-epoch history and a summary."""

    module: ClassificationModule
    history: pd.DataFrame
    summary: dict[str, Any]
    run_id: str


def build_module(
    model_input: dict[str, Any], variant: VariantSpec, augmentation: AugmentationSpec
) -> ClassificationModule:
    """The LightningModule for ``variant`` on the shapes and classes of ``model_input``."""
    channels, height, width = model_input["x_train"].shape[1:]
    num_classes = len(model_input["classes"])
    net = build_model(
        variant.architecture,
        in_channels=channels,
        num_classes=num_classes,
        image_size=(height, width),
        **variant.model,
    )
    penalties = []
    for p in variant.all_penalties():
        options = {"l1_ratio": p.l1_ratio} if p.name == "elastic_net" else {}
        penalties.append(WeightPenalty(p.name, p.strength, **options))
    augment = BatchAugmenter(augmentation, (height, width)) if variant.augment else None
    return ClassificationModule(
        net,
        num_classes,
        variant.optimizer,
        Standardize(model_input["mean"], model_input["std"]),
        penalties=penalties,
        augment=augment,
        max_norm=variant.max_norm,
    )


def build_trainer(
    cfg: TrainerConfig, checkpoint_dir: Path, logger: Any, history: HistoryCallback
) -> pl.Trainer:
    """A Trainer with early stopping, best/last checkpoints and no per-step chatter."""
    callbacks: list[pl.Callback] = [history, NonFiniteLossGuard()]
    es = cfg.early_stopping
    if es.enabled:
        mode = "min" if es.monitor == "val_loss" else "max"
        callbacks.append(
            EarlyStopping(es.monitor, patience=es.patience, min_delta=es.min_delta, mode=mode)
        )
    callbacks.append(
        ModelCheckpoint(
            dirpath=checkpoint_dir,
            filename=resume.BEST,
            monitor=es.monitor,
            mode="min" if es.monitor == "val_loss" else "max",
            save_top_k=1,
            save_last=True,
        )
    )
    return pl.Trainer(
        max_epochs=cfg.max_epochs,
        accelerator=cfg.accelerator,
        devices=cfg.devices,
        strategy=cfg.strategy,
        num_nodes=cfg.num_nodes,
        precision=cfg.precision,
        deterministic=cfg.deterministic,
        logger=logger,
        callbacks=callbacks,
        enable_progress_bar=False,
        enable_model_summary=False,
        log_every_n_steps=10**9,  # epoch-level metrics only: no per-step logging work
        num_sanity_val_steps=0,
    )


def splits_of(
    model_input: dict[str, Any], names: tuple[str, ...] = ("train", "val", "test")
) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """``{"train": (x, y), ...}`` from a model-input bundle."""
    return {s: (model_input[f"x_{s}"], model_input[f"y_{s}"]) for s in names}


@contextmanager
def torch_threads(count: int | None) -> Iterator[None]:
    """Run with ``count`` torch CPU threads (None: leave torch's setting), then restore it."""
    previous = torch.get_num_threads()
    if count is not None:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _peak_memory_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # process high-water mark


def fit_classifier(
    model_input: dict[str, Any],
    variant: VariantSpec,
    trainer_cfg: TrainerConfig,
    augmentation: AugmentationSpec,
    seed: int,
    run_name: str,
    tags: dict[str, Any],
) -> FitResult:
    """Train ``variant`` with ``seed`` in a child run ``run_name``; return the best weights.

    The variant's own ``max_epochs`` and ``early_stopping`` override ``trainer_cfg``.
    """
    trainer_cfg = variant.trainer_config(trainer_cfg)
    with torch_threads(trainer_cfg.num_threads):
        return _fit(model_input, variant, trainer_cfg, augmentation, seed, run_name, tags)


def _fit(
    model_input: dict[str, Any],
    variant: VariantSpec,
    trainer_cfg: TrainerConfig,
    augmentation: AugmentationSpec,
    seed: int,
    run_name: str,
    tags: dict[str, Any],
) -> FitResult:
    pl.seed_everything(seed, workers=True, verbose=False)
    module = build_module(model_input, variant, augmentation)
    sample_shape = tuple(model_input["x_train"].shape[1:])
    params = {"variant": variant.model_dump(), "trainer": trainer_cfg.model_dump(), "seed": seed}
    if variant.augment:
        params["augmentation"] = augmentation.model_dump()
    checkpoint_dir, resumed_epochs = resume.prepare(
        Path(trainer_cfg.checkpoint_dir) / run_name,
        params,
        model_input,
        trainer_cfg.max_epochs,
        trainer_cfg.resume,
    )
    last = checkpoint_dir / resume.LAST
    resume_from = str(last) if resumed_epochs else None

    with tracking.child_run(run_name, tags, params) as run_id:
        if resumed_epochs:
            tracking.set_tags({"resumed_after_epoch": resumed_epochs})
        history = HistoryCallback()
        trainer = build_trainer(
            trainer_cfg, checkpoint_dir, tracking.lightning_logger(run_id), history
        )
        module.gradient_clip_val = trainer_cfg.gradient_clip_val  # manual optimization clips
        datamodule = TensorDataModule(
            splits_of(model_input, ("train", "val")),
            trainer_cfg.batch_size,
            seed,
            updates_per_step=trainer_cfg.updates_per_step,
        )
        if torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()  # the peak of this run, not of the process
        started = time.perf_counter()
        trainer.fit(module, datamodule=datamodule, ckpt_path=resume_from)
        wall = time.perf_counter() - started
        best_path = trainer.checkpoint_callback.best_model_path
        if trainer_cfg.early_stopping.restore_best and best_path:
            state = torch.load(best_path, map_location="cpu", weights_only=True)["state_dict"]
            module.load_state_dict(state)
        frame = pd.DataFrame(history.rows)
        tracking.set_tags(fit_diagnosis_tags(frame))  # fit_diagnosis: under/overfit, good, ...
        summary = _summarize(frame, trainer_cfg.early_stopping.monitor)
        summary.update(
            params=count_parameters(module.net),
            flops=flops_per_sample(module.net.to(module.device), sample_shape),
            wall_time_s=wall,
            peak_memory_mb=_peak_memory_mb(module.device),
            activation_memory_mb=activation_memory_bytes(
                module.net, sample_shape, trainer_cfg.batch_size
            )
            / 2**20,
        )
        tracking.log_metrics(run_id, summary)
        if best_path:
            tracking.log_file(run_id, best_path, "checkpoints")
        last.unlink(missing_ok=True)  # the run finished: nothing to resume
    return FitResult(module, frame, summary, run_id)


def _summarize(history: pd.DataFrame, monitor: str) -> dict[str, float]:
    """Best-epoch metrics from the per-epoch history."""
    if history.empty:
        return {"epochs_run": 0}
    best = history[monitor].idxmin() if monitor == "val_loss" else history[monitor].idxmax()
    row = history.loc[best]
    return {
        "epochs_run": int(history["epoch"].iloc[-1]),
        "best_epoch": int(row["epoch"]),
        "best_val_acc": float(row["val_acc"]),
        "best_val_loss": float(row["val_loss"]),
        "best_train_acc": float(row["train_acc"]),
        "train_val_gap": float(row["train_acc"] - row["val_acc"]),
        "epoch_time_s": float(history["epoch_time_s"].median()),
    }


def evaluate_classifier(
    module: ClassificationModule, model_input: dict[str, Any], accelerator: str = "auto"
) -> tuple[dict[str, float], np.ndarray]:
    """Test-split loss, accuracy and macro-F1, and the confusion matrix (rows: true class)."""
    module.test_confusion.reset()
    trainer = pl.Trainer(
        accelerator=accelerator,
        devices=1,
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    datamodule = TensorDataModule(splits_of(model_input, ("test",)), batch_size=512, seed=0)
    (metrics,) = trainer.test(module, datamodule=datamodule, verbose=False)
    confusion = module.test_confusion.compute().cpu().numpy()
    return {k: float(v) for k, v in metrics.items()}, confusion


@torch.no_grad()
def accuracy_on(
    module: ClassificationModule, x: torch.Tensor, y: torch.Tensor, batch_size: int = 1024
) -> float:
    """Accuracy of ``module`` in eval mode (no dropout, no augmentation) on ``(x, y)``."""
    was_training = module.training
    module.eval()
    device = module.device
    correct = 0
    for start in range(0, len(y), batch_size):
        logits = module(x[start : start + batch_size].to(device))
        correct += int((logits.argmax(dim=1).cpu() == y[start : start + batch_size]).sum())
    module.train(was_training)
    return correct / max(len(y), 1)


def inference_model(module: ClassificationModule) -> nn.Module:
    """The network with its standardization in front, on the CPU, in eval mode."""
    return module.inference_model().cpu().eval()

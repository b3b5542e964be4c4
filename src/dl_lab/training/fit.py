"""The one training path: a tracked fit of a variant on a ``ModelInput``, and its evaluation.

``fit`` trains in an MLflow child run named and tagged by a ``RunIdentity``, through the
one trainer factory, resuming an interrupted run of the same configuration, and returns a
``FitResult``. ``train`` is the bare Lightning fit under it, for callers that own their run
(an Optuna trial, the tuning's final retrain). ``evaluate`` scores the test split once.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import numpy as np
import pandas as pd
import torch
from torch import nn

from dl_lab import tracking
from dl_lab.data.augmentation import AugmentationSpec
from dl_lab.data.bundle import ModelInput
from dl_lab.evaluation.fit import fit_diagnosis_tags
from dl_lab.models import activation_memory_bytes, count_parameters, flops_per_sample
from dl_lab.training import resume
from dl_lab.training.callbacks import HistoryCallback
from dl_lab.training.classification import ClassificationModule
from dl_lab.training.config import TrainerConfig, VariantSpec
from dl_lab.training.datamodule import TensorDataModule
from dl_lab.training.tasks import build_task_module
from dl_lab.training.trainer import build_trainer, monitor_mode

Splits = dict[str, tuple[torch.Tensor, torch.Tensor]]


@dataclass(frozen=True)
class FitResult:
    """What a fit leaves behind: the best network, its per-epoch history, a summary of
    best-epoch metrics and costs (what is logged to the run), and the run's id."""

    module: pl.LightningModule
    history: pd.DataFrame
    summary: dict[str, float]
    run_id: str

    @property
    def best_epoch(self) -> int:
        return int(self.summary.get("best_epoch", 0))


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


def train(
    module: pl.LightningModule,
    splits: Splits,
    cfg: TrainerConfig,
    seed: int,
    *,
    logger: Any = False,
    callbacks: Sequence[pl.Callback] = (),
    checkpoint_dir: Path | None = None,
    resume_from: str | None = None,
) -> tuple[pl.Trainer, HistoryCallback]:
    """Lightning's fit of ``module`` on in-memory ``splits`` (``train``, optionally ``val``).

    Without a ``val`` split there is no validation loop (and so no early stopping).
    """
    history = HistoryCallback()
    validate = "val" in splits
    trainer = build_trainer(
        cfg,
        logger=logger,
        callbacks=[history, *callbacks],
        checkpoint_dir=checkpoint_dir,
        validate=validate,
    )
    module.gradient_clip_val = cfg.gradient_clip_val  # manual optimization clips
    datamodule = TensorDataModule(
        splits, cfg.batch_size, seed, updates_per_step=cfg.updates_per_step
    )
    trainer.fit(module, datamodule=datamodule, ckpt_path=resume_from)
    return trainer, history


def fit(
    data: ModelInput,
    variant: VariantSpec,
    trainer_cfg: TrainerConfig,
    identity: tracking.RunIdentity,
    augmentation: AugmentationSpec | None = None,
) -> FitResult:
    """Train ``variant`` with ``identity.seed`` in the child run ``identity.name``.

    The variant's own ``max_epochs`` and ``early_stopping`` override ``trainer_cfg``. The
    best epoch's weights come back (``early_stopping.restore_best``).
    """
    trainer_cfg = variant.trainer_config(trainer_cfg)
    augmentation = augmentation or AugmentationSpec()
    with torch_threads(trainer_cfg.num_threads):
        return _fit(data, variant, trainer_cfg, identity, augmentation)


def _fit(
    data: ModelInput,
    variant: VariantSpec,
    cfg: TrainerConfig,
    identity: tracking.RunIdentity,
    augmentation: AugmentationSpec,
) -> FitResult:
    seed = identity.seed
    pl.seed_everything(seed, workers=True, verbose=False)
    module = build_task_module(data, variant, augmentation)
    params = {"variant": variant.model_dump(), "trainer": cfg.model_dump(), "seed": seed}
    if variant.augment:
        params["augmentation"] = augmentation.model_dump()
    checkpoint_dir, resumed_epochs = resume.prepare(
        Path(cfg.checkpoint_dir) / identity.name, params, data, cfg.max_epochs, cfg.resume
    )
    last = checkpoint_dir / resume.LAST
    identity = identity.with_tags(
        architecture=variant.architecture, regularizer=variant.regularizer
    ).for_data(data)
    with tracking.identified_run(identity, params) as run_id:
        if resumed_epochs:
            tracking.set_tags({"resumed_after_epoch": resumed_epochs})
        if torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()  # the peak of this run, not of the process
        started = time.perf_counter()
        trainer, history = train(
            module,
            data.splits("train", "val"),
            cfg,
            seed,
            logger=tracking.lightning_logger(run_id),
            checkpoint_dir=checkpoint_dir,
            resume_from=str(last) if resumed_epochs else None,
        )
        wall = time.perf_counter() - started
        best_path = trainer.checkpoint_callback.best_model_path
        if cfg.early_stopping.restore_best and best_path:
            state = torch.load(best_path, map_location="cpu", weights_only=True)["state_dict"]
            module.load_state_dict(state)
        frame = pd.DataFrame(history.rows)
        tracking.set_tags(fit_diagnosis_tags(frame))  # fit_diagnosis: under/overfit, good, ...
        summary = summarize(frame, cfg.early_stopping.monitor)
        summary.update(_costs(module, data.sample_shape, cfg.batch_size), wall_time_s=wall)
        tracking.log_metrics(run_id, summary)
        if best_path:
            tracking.log_file(run_id, best_path, "checkpoints")
        last.unlink(missing_ok=True)  # the run finished: nothing to resume
    return FitResult(module, frame, summary, run_id)


def _costs(module: pl.LightningModule, sample_shape: tuple[int, ...], batch_size: int) -> dict:
    """Parameters, FLOPs per sample, peak and activation memory of the trained network."""
    net = module.net.to(module.device)
    return {
        "params": count_parameters(net),
        "flops": flops_per_sample(net, sample_shape),
        "peak_memory_mb": _peak_memory_mb(module.device),
        "activation_memory_mb": activation_memory_bytes(net, sample_shape, batch_size) / 2**20,
    }


def summarize(history: pd.DataFrame, monitor: str) -> dict[str, float]:
    """Best-epoch metrics (by ``monitor``) from the per-epoch history."""
    if history.empty:
        return {"epochs_run": 0}
    scores = history[monitor]
    best = scores.idxmin() if monitor_mode(monitor) == "min" else scores.idxmax()
    row = history.loc[best]
    summary = {
        "epochs_run": int(history["epoch"].iloc[-1]),
        "best_epoch": int(row["epoch"]),
        "epoch_time_s": float(history["epoch_time_s"].median()),
    }
    for key in ("val_acc", "val_loss", "train_acc"):
        if key in row:
            summary[f"best_{key}"] = float(row[key])
    if "train_acc" in row and "val_acc" in row:
        summary["train_val_gap"] = float(row["train_acc"] - row["val_acc"])
    return summary


def evaluate(
    module: ClassificationModule, data: ModelInput, trainer_cfg: TrainerConfig
) -> tuple[dict[str, float], np.ndarray]:
    """Test-split loss, accuracy and macro-F1, and the confusion matrix (rows: true class)."""
    module.test_confusion.reset()
    trainer = build_trainer(trainer_cfg, devices=1)  # one pass, one device
    datamodule = TensorDataModule(data.splits("test"), batch_size=512, seed=0)
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

"""The one trainer factory: every Lightning ``Trainer`` of the project is built here.

``build_trainer(cfg, ...)`` takes the pipeline's ``TrainerConfig`` (devices, precision,
strategy, epochs, early stopping) and what the call adds: a logger, callbacks, a
checkpoint folder, whether there is a validation loop. Per-call changes to the config
itself go through ``TrainerConfig.override`` first, so they are validated like YAML.

``strategy: ddp`` (with ``devices: N``) trains on N processes that run only the fit, never
the rest of the ``kedro run`` (``training.distributed``; docs/scale.md for GPUs and nodes).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint

from dl_lab import progress
from dl_lab.training import distributed, resume
from dl_lab.training.callbacks import NonFiniteLossGuard, RandomState
from dl_lab.training.config import TrainerConfig

# Metrics are logged per epoch only, so Lightning's per-step logging interval is moot.
warnings.filterwarnings("ignore", message=".*smaller than the logging interval")
# A fit's checkpoint folder is its own (see training.resume): what is in it is expected.
warnings.filterwarnings("ignore", message="Checkpoint directory .* exists and is not empty")
# Under DDP, Lightning advises sync_dist=True for epoch-level values: ours are torchmetrics
# results, whose compute() has already reduced them over the processes.
warnings.filterwarnings("ignore", message=r".*when logging on epoch level in distributed")


def monitor_mode(monitor: str) -> str:
    """``min`` for a loss, ``max`` for anything else (accuracy)."""
    return "min" if monitor.endswith("loss") else "max"


def build_trainer(
    cfg: TrainerConfig,
    *,
    logger: Any = False,
    callbacks: Sequence[pl.Callback] = (),
    checkpoint_dir: Path | None = None,
    validate: bool = True,
    devices: int | str | None = None,
) -> pl.Trainer:
    """A Trainer for ``cfg``: the given callbacks, the NaN guard, early stopping (when
    enabled and there is a validation loop), best/last checkpoints into ``checkpoint_dir``
    (none without one), epoch-level logging only, a progress bar on a terminal only.

    ``devices`` overrides ``cfg.devices`` for work that must stay on one device (a test pass):
    it then runs in this process, whatever ``cfg.strategy`` and ``cfg.num_nodes`` say.
    """
    distributed.check_strategy(cfg.strategy)
    single = devices is not None
    chosen: list[pl.Callback] = [*callbacks, NonFiniteLossGuard()]
    stopping = cfg.early_stopping
    if validate and stopping.enabled:
        chosen.append(
            EarlyStopping(
                stopping.monitor,
                patience=stopping.patience,
                min_delta=stopping.min_delta,
                mode=monitor_mode(stopping.monitor),
            )
        )
    if checkpoint_dir is not None:
        chosen.append(RandomState())  # a resumed fit draws what an uninterrupted one drew
        chosen.append(
            ModelCheckpoint(
                dirpath=checkpoint_dir,
                filename=resume.BEST,
                monitor=stopping.monitor if validate else None,
                mode=monitor_mode(stopping.monitor),
                save_top_k=1,
                save_last=True,
            )
        )
    return pl.Trainer(
        max_epochs=cfg.max_epochs,
        accelerator=cfg.accelerator,
        devices=devices if single else cfg.devices,
        strategy="auto" if single else distributed.ddp_strategy(cfg.strategy),
        num_nodes=1 if single else cfg.num_nodes,
        precision=cfg.precision,
        deterministic=cfg.deterministic,
        logger=logger,
        callbacks=chosen,
        enable_checkpointing=checkpoint_dir is not None,
        limit_val_batches=None if validate else 0,
        enable_progress_bar=progress.interactive(),  # on a terminal only: logs stay clean
        enable_model_summary=False,
        log_every_n_steps=10**9,  # epoch-level metrics only: no per-step logging work
        num_sanity_val_steps=0,
    )

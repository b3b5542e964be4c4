"""Callbacks: per-epoch history, wall time per epoch, a stop on non-finite loss, and the
random state that checkpoints carry so that a resumed fit continues exactly."""

from __future__ import annotations

import math
import random
import time
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch

from dl_lab.errors import NonFiniteLossError

HISTORY_KEYS = ("train_loss", "train_acc", "val_loss", "val_acc")


class HistoryCallback(pl.Callback):
    """Collects the per-epoch metrics and epoch wall times into ``self.rows``.

    The rows travel in checkpoints, so a fit resumed after an interruption has the whole
    history (``restored`` of its rows come from the checkpoint), and they are logged again
    into the new run, so its learning curves start at epoch 1 too.
    """

    def __init__(self) -> None:
        self.rows: list[dict[str, float]] = []
        self.restored = 0
        self._start = 0.0

    def state_dict(self) -> dict[str, Any]:
        return {"rows": [dict(row) for row in self.rows]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.rows = [dict(row) for row in state_dict["rows"]]
        self.restored = len(self.rows)

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        for row in self.rows[: self.restored]:
            keys = getattr(pl_module, "history_keys", HISTORY_KEYS)
            for logger in trainer.loggers:  # the step is the 0-based epoch, as in training
                logger.log_metrics(
                    {k: row[k] for k in keys if k in row}, step=int(row["epoch"]) - 1
                )

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._start = time.perf_counter()

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.sanity_checking:
            return
        metrics = trainer.callback_metrics
        row = {
            "epoch": trainer.current_epoch + 1,
            "epoch_time_s": time.perf_counter() - self._start,
        }
        if trainer.optimizers:  # the rate at the end of the epoch, before an epoch-wise step
            row["lr"] = float(trainer.optimizers[0].param_groups[0]["lr"])
        keys = getattr(pl_module, "history_keys", HISTORY_KEYS)  # the task's epoch metrics
        row.update({k: float(metrics[k]) for k in keys if k in metrics})
        self.rows.append(row)


class NonFiniteLossGuard(pl.Callback):
    """Raises ``NonFiniteLossError`` at the end of an epoch whose mean train loss is NaN/Inf.

    Checking once per epoch (not per step) avoids a device sync in the hot loop.
    """

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        loss = trainer.callback_metrics.get("train_loss")
        if loss is not None and not math.isfinite(float(loss)):
            lr = trainer.optimizers[0].param_groups[0]["lr"] if trainer.optimizers else "?"
            raise NonFiniteLossError(
                f"train_loss became {float(loss)} in epoch {trainer.current_epoch + 1} "
                f"(learning rate {lr}); lower the learning rate or set gradient_clip_val"
            )


class RandomState(pl.Callback):
    """Saves the process's random generators in every checkpoint and restores them on resume.

    Dropout and augmentation draw from torch's global generator (and the DataLoader draws a
    base seed from it every epoch); numpy's and Python's are saved too, for code that draws
    from them. The state is taken when the checkpoint is written (after the epoch's
    validation) and put back when Lightning loads it, before the next epoch starts, so the
    next epoch draws what an uninterrupted fit drew there. Everything is stored as tensors,
    lists and numbers: the checkpoint still loads with ``torch.load(weights_only=True)``.
    The CUDA generators are saved only where CUDA is already in use (reading them would
    start it), and restored only onto as many devices as they came from.
    """

    def state_dict(self) -> dict[str, Any]:
        kind, keys, position, has_gauss, cached_gauss = np.random.get_state()
        version, internal, gauss = random.getstate()
        state: dict[str, Any] = {
            "torch": torch.get_rng_state(),
            "numpy": {
                "kind": kind,
                "keys": torch.from_numpy(keys.astype(np.int64)),
                "position": int(position),
                "has_gauss": int(has_gauss),
                "cached_gauss": float(cached_gauss),
            },
            "python": {"version": version, "internal": list(internal), "gauss": gauss},
        }
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state["cuda"] = torch.cuda.get_rng_state_all()
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        torch.set_rng_state(state_dict["torch"])
        drawn = state_dict["numpy"]
        np.random.set_state(
            (
                drawn["kind"],
                drawn["keys"].numpy().astype(np.uint32),
                drawn["position"],
                drawn["has_gauss"],
                drawn["cached_gauss"],
            )
        )
        python = state_dict["python"]
        random.setstate((python["version"], tuple(python["internal"]), python["gauss"]))
        cuda = state_dict.get("cuda")
        if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(cuda)

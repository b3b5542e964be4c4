"""Early stopping (course 1.16): our rule, and Lightning's own callback on a scripted run.

Rule (the one Lightning's ``EarlyStopping`` applies): an epoch improves when the monitored
value beats the best so far by more than ``min_delta``; otherwise a wait counter grows, and
training stops once it reaches ``patience``. With best-weight restoration the weights of
the best epoch are kept (Lightning: a ``ModelCheckpoint`` on the same monitor).

``lightning_early_stopping`` runs a real ``Trainer`` (from the project's one trainer
factory: its ``EarlyStopping`` and best-epoch ``ModelCheckpoint``) whose validation loss
follows a script, so the comparison checks Lightning's behaviour rather than our reading
of it.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import lightning.pytorch as pl
import pandas as pd
import torch
from torch.utils.data import DataLoader, TensorDataset

from dl_lab.training.config import EarlyStoppingConfig, TrainerConfig
from dl_lab.training.trainer import build_trainer

Mode = Literal["min", "max"]


@dataclass(frozen=True)
class StoppingOutcome:
    """Where training stopped, which epoch's weights are kept, and the per-epoch trace.

    ``best_epoch`` is the last improvement by more than ``min_delta`` (what Keras's
    ``restore_best_weights`` restores); ``checkpoint_epoch`` is the lowest value seen (what
    a ``ModelCheckpoint`` on the same monitor restores). They differ only when
    ``min_delta > 0`` and a small improvement came after the last large one.
    """

    best_epoch: int
    checkpoint_epoch: int
    stop_epoch: int
    stopped_early: bool
    trace: pd.DataFrame


def _check(values: list[float], patience: int, min_delta: float, mode: str) -> None:
    if not values:
        raise ValueError("early stopping needs at least one monitored value")
    if patience < 0 or min_delta < 0:
        raise ValueError(f"patience and min_delta must be >= 0, got {patience}, {min_delta}")
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")


def simulate_early_stopping(
    values: list[float], patience: int, min_delta: float = 0.0, mode: Mode = "min"
) -> StoppingOutcome:
    """Apply the early-stopping rule to a sequence of per-epoch monitored values."""
    _check(values, patience, min_delta, mode)
    sign = 1.0 if mode == "min" else -1.0
    best, best_epoch, wait, rows = float("inf"), 0, 0, []
    for epoch, value in enumerate(values, start=1):
        improved = sign * value < best - min_delta
        if improved:
            best, best_epoch, wait = sign * value, epoch, 0
        else:
            wait += 1
        stop = wait >= patience and not improved
        rows.append(
            {"epoch": epoch, "monitored": value, "improved": improved, "wait": wait,
             "best_epoch": best_epoch, "stop": stop}
        )  # fmt: skip
        if stop:
            break
    trace = pd.DataFrame(rows)
    seen = sign * trace["monitored"]
    checkpoint_epoch = int(trace["epoch"].iloc[int(seen.to_numpy().argmin())])
    return StoppingOutcome(
        best_epoch, checkpoint_epoch, int(trace["epoch"].iloc[-1]), bool(rows[-1]["stop"]), trace
    )


class _ScriptedModule(pl.LightningModule):
    """A module whose validation loss is read from a script; its weight records the epoch."""

    def __init__(self, script: list[float]) -> None:
        super().__init__()
        self.script = script
        self.epoch_marker = torch.nn.Parameter(torch.zeros(1))

    def training_step(self, batch, batch_idx):
        return (self.epoch_marker * 0.0).sum() + batch[0].sum() * 0.0

    def on_train_epoch_start(self) -> None:
        with torch.no_grad():
            self.epoch_marker.fill_(self.current_epoch + 1)  # weights "of epoch n" hold n

    def validation_step(self, batch, batch_idx):
        self.log("val_loss", self.script[self.current_epoch], on_epoch=True)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.0)


def lightning_early_stopping(
    values: list[float], patience: int, min_delta: float = 0.0
) -> dict[str, int | bool]:
    """Run Lightning's ``EarlyStopping`` + ``ModelCheckpoint`` on a scripted val loss.

    Returns the epoch training stopped after, the best checkpoint's epoch, and the epoch
    whose weights come back when the best checkpoint is restored.
    """
    _check(values, patience, min_delta, "min")
    module = _ScriptedModule(list(values))
    loader = DataLoader(TensorDataset(torch.zeros(1, 1)), batch_size=1)
    stopping = EarlyStoppingConfig(monitor="val_loss", patience=patience, min_delta=min_delta)
    cfg = TrainerConfig(
        max_epochs=len(values), accelerator="cpu", devices=1, early_stopping=stopping
    )
    with tempfile.TemporaryDirectory() as folder:
        trainer = build_trainer(cfg, checkpoint_dir=Path(folder))
        trainer.fit(module, loader, loader)
        state = torch.load(trainer.checkpoint_callback.best_model_path, weights_only=True)
    return {
        "stop_epoch": int(trainer.current_epoch),  # epochs completed
        "best_epoch": int(state["epoch"]) + 1,  # the checkpoint stores the 0-based epoch
        "restored_weights_epoch": int(state["state_dict"]["epoch_marker"].item()),
        "stopped_early": bool(trainer.should_stop),
    }

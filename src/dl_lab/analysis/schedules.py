"""Learning-rate schedules by name (course 1.22, 3.23), stepped per batch or per epoch.

* ``step``: multiply by ``gamma`` every ``step_size`` epochs (StepLR).
* ``cosine``: cosine annealing from the base rate to ~0 over the run (Loshchilov & Hutter,
  2017, SGDR, without restarts).
* ``one_cycle``: warm up to ``max_lr`` then anneal, stepped every batch (Smith &
  Topin, 2019, super-convergence).
* ``plateau``: divide by 10 when the validation loss stalls for ``patience`` epochs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch.optim import lr_scheduler

from dl_lab.registry import Registry

SCHEDULES: Registry[Any] = Registry("schedule")


@dataclass
class Schedule:
    """A scheduler and when it is stepped: after every batch, or after every epoch."""

    scheduler: Any = None
    per_batch: bool = False

    def after_batch(self) -> None:
        if self.scheduler is not None and self.per_batch:
            self.scheduler.step()

    def after_epoch(self, val_loss: float) -> None:
        if self.scheduler is None or self.per_batch:
            return
        if isinstance(self.scheduler, lr_scheduler.ReduceLROnPlateau):
            self.scheduler.step(val_loss)
        else:
            self.scheduler.step()


@SCHEDULES.register("constant")
def constant(optimizer: torch.optim.Optimizer, epochs: int, steps: int) -> Schedule:
    return Schedule()


@SCHEDULES.register("step")
def step(optimizer: torch.optim.Optimizer, epochs: int, steps: int) -> Schedule:
    return Schedule(lr_scheduler.StepLR(optimizer, step_size=max(1, epochs // 3), gamma=0.1))


@SCHEDULES.register("cosine")
def cosine(optimizer: torch.optim.Optimizer, epochs: int, steps: int) -> Schedule:
    return Schedule(lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs))


@SCHEDULES.register("one_cycle")
def one_cycle(optimizer: torch.optim.Optimizer, epochs: int, steps: int) -> Schedule:
    max_lr = optimizer.param_groups[0]["lr"]
    scheduler = lr_scheduler.OneCycleLR(
        optimizer, max_lr=max_lr, epochs=epochs, steps_per_epoch=steps
    )
    return Schedule(scheduler, per_batch=True)


@SCHEDULES.register("plateau")
def plateau(optimizer: torch.optim.Optimizer, epochs: int, steps: int) -> Schedule:
    return Schedule(lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.1, patience=1))


def build_schedule(
    name: str, optimizer: torch.optim.Optimizer, epochs: int, steps_per_epoch: int
) -> Schedule:
    """The schedule ``name`` over ``epochs`` epochs of ``steps_per_epoch`` batches."""
    return SCHEDULES.get(name)(optimizer, epochs, steps_per_epoch)

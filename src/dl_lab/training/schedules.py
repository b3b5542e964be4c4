"""Learning-rate schedules by name (course 1.22, 3.23), stepped per batch or per epoch.

One registry serves both training paths: the Lightning fit (a variant's ``schedule``) and
the fast plain loop of the diagnostics sweeps (``LoopConfig.schedule``).

* ``constant``: the base rate throughout.
* ``step``: multiply by ``gamma`` every ``step_size`` epochs (default: a third of the run).
* ``cosine``: cosine annealing from the base rate to ~0 over the run (Loshchilov & Hutter,
  2017, SGDR, without restarts).
* ``one_cycle``: warm up to the base rate (as ``max_lr``) then anneal, stepped every batch
  (Smith & Topin, 2019, super-convergence).
* ``plateau``: multiply by ``factor`` when the validation loss stalls for ``patience`` epochs.
* ``warmup``: linear warm-up over ``warmup_epochs`` from ``warmup_start`` x the base rate,
  then constant (Goyal et al., 2017); ``warmup_cosine``: the same warm-up, then cosine decay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from pydantic import Field
from torch.optim import lr_scheduler

from dl_lab.config import Registered, StrictModel
from dl_lab.registry import Registry

SCHEDULES: Registry[Any] = Registry("schedule")


class ScheduleConfig(StrictModel):
    """Which schedule, with its options (each used only by the schedules that name it)."""

    name: Registered(SCHEDULES) = "constant"
    step_size: int | None = Field(None, ge=1, description="step: epochs per decay (None: run/3)")
    gamma: float = Field(0.1, gt=0, le=1, description="step: decay factor")
    factor: float = Field(0.1, gt=0, lt=1, description="plateau: decay factor")
    patience: int = Field(1, ge=0, description="plateau: epochs without improvement")
    warmup_epochs: float = Field(1.0, gt=0, description="warmup*: length of the warm-up")
    warmup_start: float = Field(0.1, gt=0, le=1, description="warmup*: first rate / base rate")


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


Factory = Callable[[torch.optim.Optimizer, int, int, ScheduleConfig], Schedule]


@SCHEDULES.register("constant")
def constant(optimizer: torch.optim.Optimizer, epochs: int, steps: int, cfg: ScheduleConfig):
    return Schedule()


@SCHEDULES.register("step")
def step(optimizer: torch.optim.Optimizer, epochs: int, steps: int, cfg: ScheduleConfig):
    size = cfg.step_size or max(1, epochs // 3)
    return Schedule(lr_scheduler.StepLR(optimizer, step_size=size, gamma=cfg.gamma))


@SCHEDULES.register("cosine")
def cosine(optimizer: torch.optim.Optimizer, epochs: int, steps: int, cfg: ScheduleConfig):
    return Schedule(lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs))


@SCHEDULES.register("one_cycle")
def one_cycle(optimizer: torch.optim.Optimizer, epochs: int, steps: int, cfg: ScheduleConfig):
    max_lr = optimizer.param_groups[0]["lr"]
    scheduler = lr_scheduler.OneCycleLR(
        optimizer, max_lr=max_lr, epochs=epochs, steps_per_epoch=steps
    )
    return Schedule(scheduler, per_batch=True)


@SCHEDULES.register("plateau")
def plateau(optimizer: torch.optim.Optimizer, epochs: int, steps: int, cfg: ScheduleConfig):
    return Schedule(
        lr_scheduler.ReduceLROnPlateau(optimizer, factor=cfg.factor, patience=cfg.patience)
    )


def _warmup(optimizer: torch.optim.Optimizer, steps: int, cfg: ScheduleConfig):
    warm = max(1, round(cfg.warmup_epochs * steps))
    return warm, lr_scheduler.LinearLR(optimizer, cfg.warmup_start, 1.0, total_iters=warm)


@SCHEDULES.register("warmup")
def warmup(optimizer: torch.optim.Optimizer, epochs: int, steps: int, cfg: ScheduleConfig):
    return Schedule(_warmup(optimizer, steps, cfg)[1], per_batch=True)


@SCHEDULES.register("warmup_cosine")
def warmup_cosine(optimizer: torch.optim.Optimizer, epochs: int, steps: int, cfg: ScheduleConfig):
    warm, linear = _warmup(optimizer, steps, cfg)
    rest = max(1, epochs * steps - warm)
    decay = lr_scheduler.CosineAnnealingLR(optimizer, T_max=rest)
    return Schedule(lr_scheduler.SequentialLR(optimizer, [linear, decay], [warm]), per_batch=True)


def build_schedule(
    spec: str | ScheduleConfig,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    steps_per_epoch: int,
) -> Schedule:
    """The schedule ``spec`` (a name, or a config) over ``epochs`` of ``steps_per_epoch``."""
    cfg = ScheduleConfig(name=spec) if isinstance(spec, str) else spec
    return SCHEDULES.get(cfg.name)(optimizer, epochs, steps_per_epoch, cfg)

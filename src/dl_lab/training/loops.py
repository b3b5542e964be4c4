"""Small plain-PyTorch training loops on in-memory tensors, for the diagnostics sweeps.

The sweeps train dozens of tiny models; a bare loop over whole-tensor batches costs a
fraction of a Lightning fit and records the same per-epoch history columns
(``epoch``, ``train_loss``, ``train_acc``, ``val_loss``, ``val_acc``, ``epoch_time_s``), so
``diagnose_fit`` reads both. A loss that turns non-finite or grows past
``divergence_factor`` times the first batch's loss stops the run and marks it diverged:
a divergent learning rate is an outcome to report, not a crash. The diverged epoch's
``train_loss`` is recorded as ``inf`` (so ``diagnose_fit`` labels the run ``diverged``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from dl_lab.config import check_registered
from dl_lab.data.bundle import ModelInput
from dl_lab.training.optimizers import OPTIMIZERS, OptimizerConfig, build_optimizer
from dl_lab.training.schedules import SCHEDULES, build_schedule

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Splits:
    """Standardized image tensors (N, C, H, W) and integer labels for train and eval."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_eval: torch.Tensor
    y_eval: torch.Tensor

    @property
    def num_classes(self) -> int:
        return int(max(self.y_train.max(), self.y_eval.max())) + 1


def prepare_splits(
    data: ModelInput,
    train_size: int | None,
    seed: int,
    eval_split: str = "val",
    standardize: bool = True,
) -> Splits:
    """A stratified training subset and the evaluation split, standardized by default."""
    if eval_split not in ("val", "test"):
        raise ValueError(f"eval_split must be 'val' or 'test', got {eval_split!r}")
    subset = data.train_subset(train_size, seed)
    scale = data.standardize if standardize else (lambda x: x)
    x_eval, y_eval = subset.split(eval_split)
    return Splits(scale(subset.x_train), subset.y_train, scale(x_eval), y_eval)


@dataclass(frozen=True)
class LoopConfig:
    """How one sweep point is trained."""

    epochs: int = 5
    batch_size: int = 64
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "constant"
    divergence_factor: float = 10.0

    def __post_init__(self) -> None:
        check_registered(OPTIMIZERS, self.optimizer)
        check_registered(SCHEDULES, self.schedule)
        for name in ("epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"LoopConfig.{name} must be >= 1, got {getattr(self, name)}")
        if self.lr <= 0 or self.divergence_factor <= 1:
            raise ValueError(
                f"LoopConfig needs lr > 0 and divergence_factor > 1, got {self.lr}, "
                f"{self.divergence_factor}"
            )


@dataclass
class LoopResult:
    """Per-epoch history, whether (and in which epoch) the run diverged, and its cost."""

    history: pd.DataFrame
    diverged: bool
    diverged_epoch: int | None
    updates: int
    train_time_s: float
    lrs: list[float]


@torch.no_grad()
def evaluate(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn: LossFn = F.cross_entropy
) -> tuple[float, float]:
    """Mean loss and accuracy of ``model`` on (x, y), in eval mode, in chunks of 1024."""
    was_training = model.training
    model.eval()
    logits = torch.cat([model(chunk) for chunk in x.split(1024)])
    model.train(was_training)
    return float(loss_fn(logits, y)), float((logits.argmax(1) == y).float().mean())


def _run_epoch(model, opt, schedule, splits, cfg, loss_fn, generator, reference):
    """One pass over shuffled batches; returns mean loss, accuracy, updates, diverged."""
    order = torch.randperm(len(splits.y_train), generator=generator)
    total, correct, updates = 0.0, 0, 0
    for idx in order.split(cfg.batch_size):
        logits = model(splits.x_train[idx])
        loss = loss_fn(logits, splits.y_train[idx])
        value = float(loss.detach())
        reference = value if reference is None else reference
        if not math.isfinite(value) or value > cfg.divergence_factor * reference:
            return math.inf, math.nan, updates, True, reference  # a runaway epoch reads as inf
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        schedule.after_batch()
        updates += 1
        total += value * len(idx)
        correct += int((logits.argmax(1) == splits.y_train[idx]).sum())
    n = len(splits.y_train)
    return total / n, correct / n, updates, False, reference


def train_classifier(
    model: nn.Module, splits: Splits, cfg: LoopConfig, seed: int, loss_fn: LossFn = F.cross_entropy
) -> LoopResult:
    """Train ``model`` in place with ``cfg``; stop early (diverged) on a runaway loss."""
    generator = torch.Generator().manual_seed(seed)
    optimizer = build_optimizer(
        model.parameters(),
        OptimizerConfig(
            name=cfg.optimizer, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay
        ),
    )
    steps = math.ceil(len(splits.y_train) / cfg.batch_size)
    schedule = build_schedule(cfg.schedule, optimizer, cfg.epochs, steps)
    rows, updates, elapsed, reference, lrs = [], 0, 0.0, None, []
    model.train()
    for epoch in range(1, cfg.epochs + 1):
        lrs.append(optimizer.param_groups[0]["lr"])
        start = time.perf_counter()
        loss, acc, done, diverged, reference = _run_epoch(
            model, optimizer, schedule, splits, cfg, loss_fn, generator, reference
        )
        elapsed += time.perf_counter() - start
        updates += done
        val_loss, val_acc = evaluate(model, splits.x_eval, splits.y_eval, loss_fn)
        rows.append(
            {"epoch": epoch, "train_loss": loss, "train_acc": acc, "val_loss": val_loss,
             "val_acc": val_acc, "epoch_time_s": time.perf_counter() - start}
        )  # fmt: skip
        if diverged:
            return LoopResult(pd.DataFrame(rows), True, epoch, updates, elapsed, lrs)
        schedule.after_epoch(val_loss)
    return LoopResult(pd.DataFrame(rows), False, None, updates, elapsed, lrs)

"""The LightningModule for classification: one ``model_step`` serves train, val and test.

The network, optimizer config, penalties and augmentation come in by composition; this
module owns only the loss, the metrics and their names (DESIGN §5).
"""

from __future__ import annotations

import lightning.pytorch as pl
import torch
import torch.nn.functional as F
import torchmetrics
from torch import nn

from dl_lab.training.optimizers import OptimizerConfig, build_optimizer
from dl_lab.training.regularizers import WeightPenalty, apply_max_norm


class Standardize(nn.Module):
    """(x - mean) / std per channel, with statistics of the training split."""

    def __init__(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("mean", mean.reshape(1, -1, 1, 1).float())
        self.register_buffer("std", std.reshape(1, -1, 1, 1).float())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


class ClassificationModule(pl.LightningModule):
    """Cross-entropy classifier; logs train/val/test loss and accuracy, test macro-F1."""

    def __init__(
        self,
        net: nn.Module,
        num_classes: int,
        optimizer: OptimizerConfig,
        standardize: Standardize,
        penalties: list[WeightPenalty] | None = None,
        augment: nn.Module | None = None,
        max_norm: float | None = None,
    ) -> None:
        super().__init__()
        self.net = net
        self.standardize = standardize
        self.optimizer_config = optimizer
        self.penalties = nn.ModuleList(penalties or [])
        self.augment = augment
        self.max_norm = max_norm
        metric = lambda: torchmetrics.Accuracy(task="multiclass", num_classes=num_classes)  # noqa: E731
        self.train_acc, self.val_acc, self.test_acc = metric(), metric(), metric()
        self.test_f1 = torchmetrics.F1Score(
            task="multiclass", num_classes=num_classes, average="macro"
        )
        self.test_confusion = torchmetrics.ConfusionMatrix(
            task="multiclass", num_classes=num_classes
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self.standardize(x))

    def model_step(self, batch: tuple[torch.Tensor, torch.Tensor]):
        x, y = batch
        logits = self(x)
        return F.cross_entropy(logits, y), logits, y

    def training_step(self, batch, batch_idx: int) -> torch.Tensor:
        x, y = batch
        if self.augment is not None:
            x = self.augment(x)
        loss, logits, y = self.model_step((x, y))
        total = loss
        for penalty in self.penalties:
            total = total + penalty(self.net)
        self.train_acc.update(logits, y)  # update only: no per-batch accuracy computed
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        self.log("train_acc", self.train_acc, on_step=False, on_epoch=True)
        return total

    def on_train_batch_end(self, outputs, batch, batch_idx: int) -> None:
        if self.max_norm is not None:
            apply_max_norm(self.net, self.max_norm)

    def validation_step(self, batch, batch_idx: int) -> None:
        loss, logits, y = self.model_step(batch)
        self.val_acc.update(logits, y)
        self.log("val_loss", loss, on_step=False, on_epoch=True)
        self.log("val_acc", self.val_acc, on_step=False, on_epoch=True)

    def test_step(self, batch, batch_idx: int) -> None:
        loss, logits, y = self.model_step(batch)
        self.test_acc.update(logits, y)
        self.test_f1.update(logits, y)
        self.test_confusion.update(logits, y)
        self.log("test_loss", loss, on_step=False, on_epoch=True)
        self.log("test_acc", self.test_acc, on_step=False, on_epoch=True)
        self.log("test_f1_macro", self.test_f1, on_step=False, on_epoch=True)

    def on_train_epoch_end(self) -> None:
        self.log("step", float(self.current_epoch))  # the loggers' x-axis is the epoch

    def on_validation_epoch_end(self) -> None:
        self.log("step", float(self.current_epoch))

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return build_optimizer(self.net.parameters(), self.optimizer_config)

    def inference_model(self) -> nn.Module:
        """Standardization + network: what serving gets (inputs scaled to [0, 1])."""
        return nn.Sequential(self.standardize, self.net)

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
        self.gradient_clip_val: float | None = None  # set by the trainer factory
        self.automatic_optimization = False  # see training_step
        metric = lambda: torchmetrics.Accuracy(task="multiclass", num_classes=num_classes)  # noqa: E731
        self.train_acc, self.val_acc, self.test_acc = metric(), metric(), metric()
        # nan_strategy "disable": a NaN loss must reach the epoch mean (NonFiniteLossGuard).
        mean = lambda: torchmetrics.MeanMetric(nan_strategy="disable")  # noqa: E731
        self.train_loss, self.val_loss, self.test_loss = mean(), mean(), mean()
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

    def training_loss(self, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """Augment, forward, add the penalties; accumulate the epoch's train metrics."""
        x, y = batch
        if self.augment is not None:
            x = self.augment(x)
        loss, logits, y = self.model_step((x, y))
        total = loss
        for penalty in self.penalties:
            total = total + penalty(self.net)
        # Metrics are accumulated per step and logged once per epoch: every ``self.log`` call
        # walks Lightning's whole result collection, ~0.6 ms each on a CPU (bench/).
        self.train_loss.update(loss.detach(), weight=len(y))
        self.train_acc.update(logits, y)
        return total

    def training_step(self, batch, batch_idx: int) -> None:
        """One optimizer update per mini-batch of the group the loader yields.

        Optimization is manual so that Lightning's per-step machinery (hooks, closure)
        runs once per group of ``updates_per_step`` mini-batches rather than once per
        update; every mini-batch is still its own update of ``batch_size`` samples.
        """
        optimizer = self.optimizers()
        for minibatch in batch if isinstance(batch, list) else [batch]:
            total = self.training_loss(minibatch)
            optimizer.zero_grad()
            self.manual_backward(total)
            if self.gradient_clip_val:
                self.clip_gradients(optimizer, self.gradient_clip_val, "norm")
            optimizer.step()
            self.apply_constraints()

    def apply_constraints(self) -> None:
        """Weight constraints after an update (max-norm)."""
        if self.max_norm is not None:
            apply_max_norm(self.net, self.max_norm)

    def on_train_batch_end(self, outputs, batch, batch_idx: int) -> None:
        if batch_idx + 1 == self.trainer.num_training_batches:
            self._log_epoch("train", self.train_loss, self.train_acc)  # before val and callbacks

    def validation_step(self, batch, batch_idx: int) -> None:
        loss, logits, y = self.model_step(batch)
        self.val_loss.update(loss, weight=len(y))
        self.val_acc.update(logits, y)

    def on_validation_epoch_end(self) -> None:
        self._log_epoch("val", self.val_loss, self.val_acc)

    def test_step(self, batch, batch_idx: int) -> None:
        loss, logits, y = self.model_step(batch)
        self.test_loss.update(loss, weight=len(y))
        self.test_acc.update(logits, y)
        self.test_f1.update(logits, y)
        self.test_confusion.update(logits, y)

    def on_test_epoch_end(self) -> None:
        self._log_epoch("test", self.test_loss, self.test_acc)
        self.log("test_f1_macro", self.test_f1.compute())
        self.test_f1.reset()

    def _log_epoch(self, split: str, loss: torchmetrics.Metric, acc: torchmetrics.Metric) -> None:
        """Log ``<split>_loss`` and ``<split>_acc`` for the epoch (x-axis: the epoch), then reset."""
        values = {f"{split}_loss": loss.compute(), f"{split}_acc": acc.compute()}
        self.log_dict({**values, "step": float(self.current_epoch)}, on_step=False, on_epoch=True)
        loss.reset()
        acc.reset()

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return build_optimizer(self.net.parameters(), self.optimizer_config)

    def inference_model(self) -> nn.Module:
        """Standardization + network: what serving gets (inputs scaled to [0, 1])."""
        return nn.Sequential(self.standardize, self.net)

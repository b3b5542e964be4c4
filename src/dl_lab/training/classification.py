"""The LightningModule for classification: one ``model_step`` serves train, val and test.

The network, optimizer and schedule configs, penalties and augmentation come in by
composition; this module owns only the loss, the metrics and their names (DESIGN §5).
It is the task ``classification`` of ``training.tasks``.
"""

from __future__ import annotations

import lightning.pytorch as pl
import torch
import torch.nn.functional as F
import torchmetrics
from lightning.pytorch.trainer.states import TrainerFn
from torch import nn

from dl_lab.data.augmentation import AugmentationSpec, BatchAugmenter
from dl_lab.data.bundle import ModelInput
from dl_lab.models import build_model
from dl_lab.training.config import VariantSpec
from dl_lab.training.optimizers import OptimizerConfig, build_optimizer
from dl_lab.training.regularizers import WeightPenalty, apply_max_norm
from dl_lab.training.schedules import Schedule, ScheduleConfig, build_schedule
from dl_lab.training.tasks import TASKS
from dl_lab.training.updates import direct_updates, update


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

    history_keys = ("train_loss", "train_acc", "val_loss", "val_acc")

    def __init__(
        self,
        net: nn.Module,
        num_classes: int,
        optimizer: OptimizerConfig,
        standardize: Standardize,
        penalties: list[WeightPenalty] | None = None,
        augment: nn.Module | None = None,
        max_norm: float | None = None,
        schedule: ScheduleConfig | None = None,
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__()
        self.label_smoothing = label_smoothing
        self.net = net
        self.standardize = standardize
        self.optimizer_config = optimizer
        self.schedule_config = schedule or ScheduleConfig()
        self._schedule = Schedule()  # built with the optimizer (needs the epoch's size)
        self.penalties = nn.ModuleList(penalties or [])
        self.augment = augment
        self.max_norm = max_norm
        self.gradient_clip_val: float | None = None  # set by the trainer factory
        self._direct_updates = False  # set in on_train_start (see training.updates)
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

    def training_loss(
        self, batch: tuple[torch.Tensor, torch.Tensor], seen: list | None = None
    ) -> torch.Tensor:
        """Augment, forward, add the penalties; ``seen`` collects (loss, logits, y) for metrics."""
        x, y = batch
        if self.augment is not None:
            x = self.augment(x)
        loss, logits, y = self.model_step((x, y))
        if seen is not None:
            seen.append((loss.detach(), logits.detach(), y))  # plain CE, as val and test
        total = loss
        if self.label_smoothing:
            total = F.cross_entropy(logits, y, label_smoothing=self.label_smoothing)
        for penalty in self.penalties:
            total = total + penalty(self.net)
        return total

    def on_train_start(self) -> None:
        self._direct_updates = direct_updates(self.trainer)

    def training_step(self, batch, batch_idx: int) -> None:
        """One optimizer update per mini-batch of the group the loader yields.

        Optimization is manual so that Lightning's per-step machinery (hooks, closure)
        runs once per group of ``updates_per_step`` mini-batches rather than once per
        update; every mini-batch is still its own update of ``batch_size`` samples.
        """
        optimizer = self.optimizers()
        seen: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []
        for minibatch in batch if isinstance(batch, list) else [batch]:
            total = self.training_loss(minibatch, seen)
            update(self, optimizer, total, self.gradient_clip_val, self._direct_updates)
            self.apply_constraints()
            self._schedule.after_batch()
        self._accumulate_train_metrics(seen)

    def on_train_epoch_end(self) -> None:
        """Step an epoch-wise schedule (plateau reads this epoch's validation loss)."""
        val_loss = self.trainer.callback_metrics.get("val_loss")
        self._schedule.after_epoch(float(val_loss) if val_loss is not None else float("inf"))

    def _accumulate_train_metrics(self, seen: list) -> None:
        """The group's train metrics in one update each, logged once per epoch.

        A torchmetrics update costs tens of microseconds whatever its size, and every
        ``self.log`` call walks Lightning's whole result collection (~0.6 ms on a CPU).
        """
        losses, logits, targets = zip(*seen, strict=True)
        sizes = torch.tensor([len(t) for t in targets], device=losses[0].device)
        self.train_loss.update(torch.stack(losses), weight=sizes)
        self.train_acc.update(torch.cat(logits), torch.cat(targets))

    def apply_constraints(self) -> None:
        """Weight constraints after an update (max-norm)."""
        if self.max_norm is not None:
            apply_max_norm(self.net, self.max_norm)

    def validation_step(self, batch, batch_idx: int) -> None:
        loss, logits, y = self.model_step(batch)
        self.val_loss.update(loss, weight=len(y))
        self.val_acc.update(logits, y)

    def on_validation_epoch_end(self) -> None:
        """Log the epoch's train (while fitting) and val metrics together: one logger write
        per epoch rather than two (a SQLite commit in MLflow is ~8 ms)."""
        splits = {"val": (self.val_loss, self.val_acc)}
        if self.trainer.state.fn == TrainerFn.FITTING:
            splits["train"] = (self.train_loss, self.train_acc)
        self._log_epoch(splits)

    def test_step(self, batch, batch_idx: int) -> None:
        loss, logits, y = self.model_step(batch)
        self.test_loss.update(loss, weight=len(y))
        self.test_acc.update(logits, y)
        self.test_f1.update(logits, y)
        self.test_confusion.update(logits, y)

    def on_test_epoch_end(self) -> None:
        self._log_epoch({"test": (self.test_loss, self.test_acc)})
        self.log("test_f1_macro", self.test_f1.compute())
        self.test_f1.reset()

    def _log_epoch(
        self, splits: dict[str, tuple[torchmetrics.Metric, torchmetrics.Metric]]
    ) -> None:
        """Log ``<split>_loss`` and ``<split>_acc`` of the epoch (x-axis: the epoch), then reset."""
        values: dict[str, torch.Tensor | float] = {"step": float(self.current_epoch)}
        for split, (loss, acc) in splits.items():
            values.update({f"{split}_loss": loss.compute(), f"{split}_acc": acc.compute()})
            loss.reset()
            acc.reset()
        self.log_dict(values, on_step=False, on_epoch=True)

    def configure_optimizers(self) -> torch.optim.Optimizer | dict:
        """The optimizer, and the schedule's scheduler (stepped here, saved by Lightning).

        Optimization is manual, so Lightning does not step the scheduler; handing it over
        still puts its state in checkpoints, so a resumed fit continues the schedule.
        """
        optimizer = build_optimizer(self.net.parameters(), self.optimizer_config)
        if self.schedule_config.name == "constant":
            return optimizer
        updates = getattr(self.trainer.datamodule, "updates_per_epoch", None)
        if updates is None:
            raise ValueError("a learning-rate schedule needs a TensorDataModule to size epochs")
        self._schedule = build_schedule(
            self.schedule_config, optimizer, self.trainer.max_epochs, updates
        )
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": self._schedule.scheduler}}

    def inference_model(self) -> nn.Module:
        """Standardization + network: what serving gets (inputs scaled to [0, 1])."""
        return nn.Sequential(self.standardize, self.net)


@TASKS.register("classification")
def classification(
    data: ModelInput, variant: VariantSpec, augmentation: AugmentationSpec
) -> ClassificationModule:
    """The classifier for ``variant`` on the shapes, classes and statistics of ``data``."""
    channels, height, width = data.sample_shape
    net = build_model(
        variant.architecture,
        in_channels=channels,
        num_classes=data.num_classes,
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
        data.num_classes,
        variant.optimizer,
        Standardize(data.mean, data.std),
        penalties=penalties,
        augment=augment,
        max_norm=variant.max_norm,
        schedule=variant.schedule,
        label_smoothing=variant.label_smoothing,
    )
